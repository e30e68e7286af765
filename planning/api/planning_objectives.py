"""Team PI objectives over HTTP: write, order, commit; business value (Business Owners); predictability."""

import django_filters
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.response import Response

from planning.models import Feature, PIObjective
from planning.selectors.objectives import pi_objectives
from planning.services import objectives as services
from trains.api.base import IF_MATCH, if_match
from trains.api.pagination import Page

from .planning import PLANNERS, READ, READERS, VERSIONED, WRITE, IdFilter, PlanningView
from .serializers_planning import (
    BusinessValueSerializer,
    ObjectiveCreateSerializer,
    ObjectiveMoveSerializer,
    ObjectiveSerializer,
    ObjectiveUpdateSerializer,
    PredictabilitySerializer,
)

BUSINESS_OWNERS = "Business Owners only (SAFe gives business value to them alone, not even to the RTE)."


def _objectives():
    linked = Prefetch("features", queryset=Feature.objects.only("id").order_by("pk"))
    return PIObjective.objects.select_related("pi", "team").prefetch_related(linked)


class ObjectivePage(Page):
    """Each team's committed objectives in their order, then its uncommitted ones: as on the page."""

    ordering = ("team_id", "-is_committed", "position", "pk")


class ObjectiveFilter(django_filters.FilterSet):
    team = IdFilter(field_name="team_id")
    committed = django_filters.BooleanFilter(field_name="is_committed")

    class Meta:
        model = PIObjective
        fields = ["team", "committed"]


class ObjectiveList(PlanningView):
    serializer_class = ObjectiveSerializer
    queryset = _objectives()
    train_path = "pi__train"
    filterset_class = ObjectiveFilter
    pagination_class = ObjectivePage

    def get_queryset(self):
        rows = super().get_queryset()
        return rows if getattr(self, "swagger_fake_view", False) else rows.filter(pi=self.pi)

    @extend_schema(
        summary="The PI's team objectives",
        description=f"{READERS} Filter by team and by committed (true) or uncommitted (false).",
        responses={200: ObjectiveSerializer(many=True), **READ},
    )
    def get(self, request, slug, pi_id):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Add a team PI objective",
        description=f"{PLANNERS} It goes at the end of the team's committed (or uncommitted) list; "
        "linked features must be the team's, in this PI.",
        request=ObjectiveCreateSerializer,
        responses={201: ObjectiveSerializer, **WRITE},
        examples=[
            OpenApiExample(
                "A committed objective",
                value={
                    "team": 3,
                    "text": "Customers pay by card in the app",
                    "is_committed": True,
                    "features": [41],
                },
                request_only=True,
            )
        ],
    )
    def post(self, request, slug, pi_id):
        objective = services.objective_create(
            pi=self.pi, **self.body(ObjectiveCreateSerializer), actor=request.user
        )
        return Response(self.get_serializer(objective).data, status=status.HTTP_201_CREATED)


class ObjectiveView(PlanningView):
    serializer_class = ObjectiveSerializer
    queryset = _objectives()
    train_path = "pi__train"

    def done(self, objective) -> Response:
        return Response(self.get_serializer(objective).data)


class ObjectiveDetail(ObjectiveView):
    @extend_schema(
        summary="One team PI objective", description=READERS, responses={200: ObjectiveSerializer, **READ}
    )
    def get(self, request, slug, pk):
        return self.done(self.get_object())

    @extend_schema(
        summary="Edit an objective's text, commitment or linked features",
        description=f"{PLANNERS} Changing its commitment puts it at the end of its new list.",
        parameters=[IF_MATCH],
        request=ObjectiveUpdateSerializer,
        responses={200: ObjectiveSerializer, **VERSIONED},
        examples=[
            OpenApiExample("Reword", value={"text": "Customers pay by card or wallet"}, request_only=True)
        ],
    )
    def patch(self, request, slug, pk):
        version = if_match(request)
        objective = self.get_object()
        fields = self.body(ObjectiveUpdateSerializer)
        return self.done(
            services.objective_update(
                objective=objective, expected_version=version, actor=request.user, **fields
            )
        )

    @extend_schema(
        summary="Delete an objective",
        description=PLANNERS,
        parameters=[IF_MATCH],
        responses={204: None, **VERSIONED},
    )
    def delete(self, request, slug, pk):
        version = if_match(request)
        services.objective_delete(objective=self.get_object(), expected_version=version, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ObjectiveMove(ObjectiveView):
    @extend_schema(
        summary="Move an objective up or down its list",
        description=f"{PLANNERS} One place within the team's committed (or uncommitted) list.",
        parameters=[IF_MATCH],
        request=ObjectiveMoveSerializer,
        responses={200: ObjectiveSerializer, **VERSIONED},
        examples=[OpenApiExample("Up one place", value={"direction": "up"}, request_only=True)],
    )
    def post(self, request, slug, pk):
        version = if_match(request)
        objective = self.get_object()
        offset = {"up": -1, "down": 1}[self.body(ObjectiveMoveSerializer)["direction"]]
        return self.done(
            services.objective_move(
                objective=objective, offset=offset, expected_version=version, actor=request.user
            )
        )


class _Commitment(ObjectiveView):
    committed: bool

    def post(self, request, slug, pk):
        version = if_match(request)
        return self.done(
            services.objective_update(
                objective=self.get_object(),
                expected_version=version,
                actor=request.user,
                is_committed=self.committed,
            )
        )


@extend_schema(
    summary="Commit an objective",
    description=f"{PLANNERS} It moves to the end of the team's committed list (counted in predictability).",
    parameters=[IF_MATCH],
    request=None,
    responses={200: ObjectiveSerializer, **VERSIONED},
)
class ObjectiveCommit(_Commitment):
    committed = True


@extend_schema(
    summary="Uncommit an objective",
    description=f"{PLANNERS} It moves to the end of the team's uncommitted list (a stretch goal: its "
    "actual value still counts, its planned value does not).",
    parameters=[IF_MATCH],
    request=None,
    responses={200: ObjectiveSerializer, **VERSIONED},
)
class ObjectiveUncommit(_Commitment):
    committed = False


class _BusinessValue(ObjectiveView):
    service = None

    def post(self, request, slug, pk):
        version = if_match(request)
        objective = self.get_object()
        value = self.body(BusinessValueSerializer)["value"]
        write = type(self).service
        return self.done(
            write(objective=objective, value=value, expected_version=version, actor=request.user)
        )


@extend_schema(
    summary="Set an objective's planned business value (1–10)",
    description=f"{BUSINESS_OWNERS} While the PI is a draft or in planning; null clears it.",
    parameters=[IF_MATCH],
    request=BusinessValueSerializer,
    responses={200: ObjectiveSerializer, **VERSIONED},
    examples=[OpenApiExample("Planned 8", value={"value": 8}, request_only=True)],
)
class ObjectivePlannedValue(_BusinessValue):
    service = services.objective_set_planned_value


@extend_schema(
    summary="Score an objective's actual business value (0–10)",
    description=f"{BUSINESS_OWNERS} While the PI is executing; null clears it.",
    parameters=[IF_MATCH],
    request=BusinessValueSerializer,
    responses={200: ObjectiveSerializer, **VERSIONED},
    examples=[OpenApiExample("Delivered 7", value={"value": 7}, request_only=True)],
)
class ObjectiveActualValue(_BusinessValue):
    service = services.objective_score_actual


class Predictability(PlanningView):
    serializer_class = PredictabilitySerializer

    @extend_schema(
        summary="Predictability per team and for the ART",
        description=f"{READERS} §4.1: actual business value of all objectives over planned business value "
        "of committed ones, in percent, per team and pooled for the ART; healthy between 80 and 100 %.",
        responses={200: PredictabilitySerializer, **READ},
    )
    def get(self, request, slug, pi_id):
        overview = pi_objectives(self.pi)
        data = {
            "pi": self.pi,
            "art": overview.art,
            "predictability": overview.predictability,
            "teams": [{"team": entry.team, "figure": entry.figure} for entry in overview.teams],
        }
        return Response(self.get_serializer(data).data)
