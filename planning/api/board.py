"""The program board over HTTP: features (list, add, edit, move, state, blocked) and the whole board
of a PI in one read, plus what the board's other API modules share (filters, ordering, refusals).

Every write calls the service the board's dialogs call, as the caller: the services hold the rules
and the role checks (planning/services/board.py). Nothing here deletes: the board has no delete.
PIs and their iterations are in board_pis.py; dependencies and milestones in board_dependencies.py.
"""

from django import forms
from django.db import transaction
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import generics
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from planning import services
from planning.models import Feature, ProgramIncrement
from planning.selectors import BoardFilters, program_board
from trains.api.base import IF_MATCH, ErrorSerializer, TrainScoped, if_match
from trains.guards import lock_for_change

from .serializers_board import (
    BIGINT,
    BoardQuerySerializer,
    BoardSerializer,
    FeatureBlockedSerializer,
    FeatureCreateSerializer,
    FeatureFieldsSerializer,
    FeatureMoveSerializer,
    FeatureSerializer,
    FeatureStateSerializer,
)

READ = "Anyone with a role on the train."


def refusals(*codes: int) -> dict:
    """The error responses a view documents (one shape: trains/api/errors.py)."""
    return dict.fromkeys(codes, ErrorSerializer)


# A versioned write: refused as a domain rule (403, 409, 422), or as stale (412), or without If-Match (428).
VERSIONED_WRITE = refusals(403, 404, 409, 412, 422, 428)


def validated(serializer_class, view, *, partial: bool = False) -> dict:
    """The request's body, checked for shape by `serializer_class` (422 per field otherwise)."""
    serializer = serializer_class(
        data=view.request.data, partial=partial, context={"request": view.request, "view": view}
    )
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.Filter):
    """An id to filter by: a whole number a row could have (anything else is refused with 422)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=BIGINT, **kwargs)


class StableOrdering(OrderingFilter):
    """`?ordering=` on the fields a list names, always ending in the id, so a cursor page is stable."""

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if not {"id", "-id", "pk", "-pk"} & set(ordering):
            ordering.append("id")
        return ordering


LIST_BACKENDS = [filters.DjangoFilterBackend, StableOrdering]


# --- features ----------------------------------------------------------------------------------


class FeatureFilter(filters.FilterSet):
    pi = IdFilter(help_text="Features of this PI.")
    team = IdFilter(help_text="Features planned for this team.")
    iteration = IdFilter(help_text="Features planned in this iteration.")
    state = filters.ChoiceFilter(choices=Feature.State.choices)
    kind = filters.ChoiceFilter(choices=Feature.Kind.choices)
    is_blocked = filters.BooleanFilter()

    class Meta:
        model = Feature
        fields = ["pi", "team", "iteration", "state", "kind", "is_blocked"]


class FeatureList(TrainScoped, generics.ListAPIView):
    serializer_class = FeatureSerializer
    queryset = Feature.objects.all()
    filter_backends = LIST_BACKENDS
    filterset_class = FeatureFilter
    ordering_fields = ["id", "title", "state", "kind", "created_at", "updated_at"]
    ordering = ["id"]

    @extend_schema(summary="The train's features", description=READ)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Add a feature",
        description="The RTE and Product Managers, anywhere; a team's Scrum Master or Product Owner, on "
        "their own team or unplanned. Not in a closed PI.",
        request=FeatureCreateSerializer,
        responses={201: FeatureSerializer, **refusals(403, 404, 409, 422)},
        examples=[
            OpenApiExample(
                "A feature planned for a team",
                value={
                    "title": "Checkout in one step",
                    "kind": "feature",
                    "pi": 7,
                    "team": 3,
                    "iteration": 21,
                },
                request_only=True,
            )
        ],
    )
    def post(self, request, slug):
        data = dict(validated(FeatureCreateSerializer, self))
        state = data.pop("state", None)
        with transaction.atomic():  # created and put in its state together, as the board's dialog does
            feature = services.feature_create(train=self.train, actor=request.user, **data)
            if state and state != feature.state:
                feature = services.feature_set_state(feature=feature, state=state, actor=request.user)
        return Response(FeatureSerializer(feature).data, status=201)


class FeatureDetail(TrainScoped, generics.GenericAPIView):
    serializer_class = FeatureSerializer
    queryset = Feature.objects.all()

    @extend_schema(summary="One feature", description=READ)
    def get(self, request, slug, pk):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Edit a feature's fields",
        description="Whoever plans the feature's team: the RTE and Product Managers, or that team's Scrum "
        "Master or Product Owner. Not in a closed PI. Its place and state change by move and state.",
        parameters=[IF_MATCH],
        request=FeatureFieldsSerializer,
        responses={200: FeatureSerializer, **VERSIONED_WRITE},
        examples=[OpenApiExample("Size it", value={"job_size": 8}, request_only=True)],
    )
    def patch(self, request, slug, pk):
        feature = self.get_object()
        expected = if_match(request)
        data = validated(FeatureFieldsSerializer, self, partial=True)
        feature = services.feature_update(
            feature=feature, expected_version=expected, actor=request.user, **data
        )
        return Response(self.get_serializer(feature).data)


class FeatureMove(TrainScoped, generics.GenericAPIView):
    """A card of a PI's board (as the board's move: a feature in no PI is not on a board)."""

    serializer_class = FeatureSerializer
    # The train too: a move announces itself to the train's webhooks from the row (trains.webhooks).
    queryset = Feature.objects.select_related("pi", "train").filter(pi__isnull=False)

    @extend_schema(
        summary="Move a card to a team and iteration",
        description="Whoever plans both the team the card leaves and the team it joins (the RTE and "
        "Product Managers; a Scrum Master or Product Owner within their own team). Into an iteration of "
        "the feature's PI that has not ended (unless it is done); team and iteration both null: back to "
        "the unplanned lane. Not in a closed PI.",
        parameters=[IF_MATCH],
        request=FeatureMoveSerializer,
        responses={200: FeatureSerializer, **VERSIONED_WRITE},
        examples=[OpenApiExample("To Apollo, I3", value={"team": 3, "iteration": 23}, request_only=True)],
    )
    def post(self, request, slug, pk):
        feature = self.get_object()
        expected = if_match(request)
        place = validated(FeatureMoveSerializer, self)
        moved = services.feature_move(
            feature=feature,
            team_id=place["team"],
            iteration_id=place["iteration"],
            expected_version=expected,
            actor=request.user,
        )
        return Response(self.get_serializer(moved).data)


class _LockedFeatureWrite(TrainScoped, generics.GenericAPIView):
    """A write whose service takes no version: the row is locked and its version checked first, in
    the same transaction, so a change based on an older version is refused (412), never applied."""

    serializer_class = FeatureSerializer
    queryset = Feature.objects.all()

    def change(self, feature: Feature, data: dict) -> Feature:
        raise NotImplementedError

    def post(self, request, slug, pk):
        feature = self.get_object()
        expected = if_match(request)
        data = validated(self.input_class, self)
        with transaction.atomic():
            current = lock_for_change(Feature.objects.select_related("pi"), feature.pk, expected)
            changed = self.change(current, data)
        return Response(self.get_serializer(changed).data)


class FeatureState(_LockedFeatureWrite):
    input_class = FeatureStateSerializer

    def change(self, feature, data):
        return services.feature_set_state(feature=feature, state=data["state"], actor=self.request.user)

    @extend_schema(
        summary="Move a feature through the Kanban",
        description="Whoever plans the feature's team (the RTE and Product Managers, or that team's Scrum "
        "Master or Product Owner). Not in a closed PI. Each change is kept for the flow metrics.",
        parameters=[IF_MATCH],
        request=FeatureStateSerializer,
        responses={200: FeatureSerializer, **VERSIONED_WRITE},
        examples=[OpenApiExample("Start it", value={"state": "implementing"}, request_only=True)],
    )
    def post(self, request, slug, pk):
        return super().post(request, slug, pk)


class FeatureBlocked(_LockedFeatureWrite):
    input_class = FeatureBlockedSerializer

    def change(self, feature, data):
        return services.feature_set_blocked(
            feature=feature, blocked=data["blocked"], reason=data["reason"], actor=self.request.user
        )

    @extend_schema(
        summary="Set or clear a feature's blocked flag",
        description="Whoever plans the feature's team (the RTE and Product Managers, or that team's Scrum "
        "Master or Product Owner). Not in a closed PI. Each blocked stretch counts as waiting time.",
        parameters=[IF_MATCH],
        request=FeatureBlockedSerializer,
        responses={200: FeatureSerializer, **VERSIONED_WRITE},
        examples=[
            OpenApiExample(
                "Blocked",
                value={"blocked": True, "reason": "Waiting for the payments sandbox"},
                request_only=True,
            )
        ],
    )
    def post(self, request, slug, pk):
        return super().post(request, slug, pk)


# --- the board ---------------------------------------------------------------------------------


def board_data(board) -> dict:
    """The board as one document: cards in board order (team rows by iteration, then the unplanned
    lane by WSJF), each milestone with the column it is drawn in, every string with its health."""
    cards = [
        feature
        for team in board.teams
        for iteration in board.iterations
        for feature in board.cells.get((team.pk, iteration.pk), [])
    ]
    cards += board.unplanned
    for card in cards:
        card.on_red_string = card.pk in board.red_feature_ids
    milestones = []
    for iteration_id, placed in board.milestones.items():
        for milestone in placed:
            milestone.iteration = iteration_id
            milestones.append(milestone)
    milestones.sort(key=lambda m: (m.date, m.name, m.pk))
    strings = []
    for string in board.strings:
        dependency = string.dependency
        strings.append(
            {
                "id": dependency.pk,
                "providing_feature": dependency.providing_feature_id,
                "requesting_feature": dependency.requesting_feature_id,
                "providing_team": dependency.providing_team_id,
                "requesting_team": dependency.requesting_team_id,
                "needed_by_iteration": dependency.needed_by_iteration_id,
                "state": dependency.state,
                "health": string.health.value,
                "version": dependency.version,
                "label": string.as_json()["label"],
            }
        )
    return {
        "pi": board.pi,
        "teams": board.teams,
        "iterations": board.iterations,
        "cards": cards,
        "milestones": milestones,
        "strings": strings,
        "red_count": board.red_count,
        "amber_count": board.amber_count,
        "feature_count": board.feature_count,
    }


class PIBoard(TrainScoped, generics.GenericAPIView):
    serializer_class = BoardSerializer
    queryset = ProgramIncrement.objects.all()
    filter_backends = []

    @extend_schema(
        summary="The program board of a PI, in one read",
        description=f"{READ} Teams, iterations, cards with their figures, milestones and every "
        "dependency string with its health, and the red and amber counts: a fixed number of queries "
        "whatever the size of the train. The filters narrow the cards, as on the board page.",
        parameters=[BoardQuerySerializer],
        responses={200: BoardSerializer, **refusals(404, 422)},
    )
    def get(self, request, slug, pk):
        pi = self.get_object()
        query = BoardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        wanted = query.validated_data
        board = program_board(
            pi,
            BoardFilters(
                team=wanted.get("team"),
                kind=wanted.get("kind", ""),
                state=wanted.get("state", ""),
                red_only=wanted["red"],
            ),
        )
        return Response(self.get_serializer(board_data(board)).data)
