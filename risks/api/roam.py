"""Risks over HTTP: the ROAM board's list, one risk with its ROAM history, raising, editing, ROAM moves
and raising a team risk to the ART board. Every write goes through risks.services with the caller
as actor; a risk is versioned, so every change to one needs If-Match."""

from __future__ import annotations

import django_filters
from django.db.models import F, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from planning.models import ConfidenceVote, Dependency, Feature, PIObjective, ProgramIncrement
from trains.api.base import IF_MATCH, ErrorSerializer, TrainScoped, if_match
from trains.models import Team

from .. import selectors
from ..models import SCALE_1_TO_5, Risk, RiskRoamChange
from ..permissions import can_edit_risk, can_raise_risk, can_roam_risk
from ..services import risk_create, risk_from_vote_concern, risk_raise_to_art, risk_roam, risk_update
from .common import OfTrain, Person, StableOrdering, allow

REFUSALS = {
    403: OpenApiResponse(ErrorSerializer, description="Your roles do not allow it."),
    404: OpenApiResponse(ErrorSerializer, description="No such risk on a train you hold a role on."),
    422: OpenApiResponse(ErrorSerializer, description="A field is not valid: see `fields`."),
}
VERSIONED_REFUSALS = {
    **REFUSALS,
    412: OpenApiResponse(
        ErrorSerializer, description="Stale If-Match: `current` holds the risk as it is now."
    ),
    428: OpenApiResponse(ErrorSerializer, description="No If-Match header."),
}
WHO_ROAMS = (
    "The RTE for every risk; Product Management for an ART risk (no team); a team's Scrum Master and "
    "Product Owner for their team's risk."
)
NOT_ROAMER = (
    "Only the RTE, Product Management for an ART risk, or the team's Scrum Master and Product Owner "
    "for a team risk, change this risk."
)


# --- serializers -------------------------------------------------------------------------------------


class RoamChangeSerializer(serializers.ModelSerializer):
    actor = Person(read_only=True, allow_null=True)

    class Meta:
        model = RiskRoamChange
        fields = ["from_status", "to_status", "note", "actor", "changed_at"]


class RiskSerializer(serializers.ModelSerializer):
    """A risk as its ROAM card shows it. `team` null: an ART-level risk."""

    owner = Person(read_only=True, allow_null=True)
    raised_by = Person(read_only=True, allow_null=True)
    exposure = serializers.IntegerField(read_only=True, help_text="Impact × likelihood (1–25).")
    is_overdue = serializers.BooleanField(read_only=True)
    features = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    dependencies = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    objectives = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Risk
        fields = [
            "id",
            "title",
            "description",
            "pi",
            "team",
            "origin_team",
            "raised_to_art_at",
            "roam_status",
            "owner",
            "impact",
            "likelihood",
            "exposure",
            "due_date",
            "is_overdue",
            "mitigation_plan",
            "features",
            "dependencies",
            "objectives",
            "raised_by",
            "from_vote",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class RiskDetailSerializer(RiskSerializer):
    """A risk with its ROAM history, newest move first."""

    roam_history = RoamChangeSerializer(source="roam_changes", many=True, read_only=True)

    class Meta(RiskSerializer.Meta):
        fields = [*RiskSerializer.Meta.fields, "roam_history"]
        read_only_fields = fields


class RiskWriteSerializer(serializers.Serializer):
    """A risk's own fields and links, as the risk form has them (links: ids of the risk's PI)."""

    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    owner = Person(required=False, allow_null=True)
    impact = serializers.ChoiceField(choices=SCALE_1_TO_5, required=False)
    likelihood = serializers.ChoiceField(choices=SCALE_1_TO_5, required=False)
    due_date = serializers.DateField(required=False, allow_null=True)
    mitigation_plan = serializers.CharField(required=False, allow_blank=True)
    features = OfTrain(Feature, many=True, required=False)
    dependencies = OfTrain(Dependency, "pi__train", many=True, required=False)
    objectives = OfTrain(PIObjective, "pi__train", many=True, required=False)


class RiskCreateSerializer(RiskWriteSerializer):
    pi = OfTrain(
        ProgramIncrement, allow_null=True, help_text="The PI it threatens; null: a risk tied to no PI."
    )
    team = OfTrain(Team, required=False, allow_null=True, help_text="Omitted or null: the ART board.")


class RiskUpdateSerializer(RiskWriteSerializer):
    title = serializers.CharField(max_length=200, required=False)


class RoamMoveSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Risk.Roam.choices, help_text="The ROAM column.")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    owner = Person(
        required=False, allow_null=True, help_text="Owned needs one: omitted keeps the current owner."
    )
    mitigation_plan = serializers.CharField(
        required=False, allow_blank=True, help_text="Mitigated needs one: omitted keeps the current plan."
    )


class FromVoteSerializer(serializers.Serializer):
    vote = OfTrain(
        ConfidenceVote,
        "round__pi__train",
        help_text="A confidence vote carrying a concern (planning's votes).",
    )


class RaiseToArtSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


# --- views ---------------------------------------------------------------------------------------


class RiskFilter(django_filters.FilterSet):
    roam_status = django_filters.MultipleChoiceFilter(
        choices=Risk.Roam.choices, help_text="Repeat for several."
    )
    owner = django_filters.CharFilter(field_name="owner__username", help_text="A username.")
    team = django_filters.NumberFilter(field_name="team_id")
    art_level = django_filters.BooleanFilter(
        field_name="team",
        lookup_expr="isnull",
        help_text="Only the ART board's (true) or only teams' (false).",
    )
    pi = django_filters.NumberFilter(field_name="pi_id")

    class Meta:
        model = Risk
        fields = ["roam_status", "owner", "team", "art_level", "pi"]


def _risks(train) -> QuerySet[Risk]:
    return selectors.risks_for_board(train, None).annotate(exposure_rank=F("impact") * F("likelihood"))


class RiskList(TrainScoped, generics.ListAPIView):
    queryset = Risk.objects.all()
    serializer_class = RiskSerializer
    filter_backends = [DjangoFilterBackend, StableOrdering]
    filterset_class = RiskFilter
    ordering_fields = ["exposure_rank", "impact", "likelihood", "created_at", "updated_at", "title"]
    ordering = ["-exposure_rank"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Risk.objects.none()
        return _risks(self.train)

    @extend_schema(
        summary="The train's risks",
        description=(
            "Anyone with a role on the train. Filter by ROAM status, owner (username), team, ART level "
            "and PI; ordered by exposure (impact × likelihood) unless `ordering` says otherwise "
            "(`exposure_rank`, `impact`, `likelihood`, `created_at`, `updated_at`, `title`; `-` for descending)."
        ),
    )
    def get(self, request, slug):
        return self.list(request)

    @extend_schema(
        summary="Raise a risk",
        description="Everyone taking part in the PI (every role but Viewer). It starts Un-ROAMed.",
        request=RiskCreateSerializer,
        responses={201: RiskDetailSerializer, **REFUSALS},
        examples=[
            OpenApiExample(
                "A team risk",
                value={"title": "Vendor API may slip", "pi": 7, "team": 2, "impact": 4, "likelihood": 3},
                request_only=True,
            )
        ],
    )
    def post(self, request, slug):
        allow(self, can_raise_risk(self.access), "Viewers read risks; raising one needs a role in the PI.")
        body = RiskCreateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        risk = risk_create(train=self.train, actor=request.user, **body.validated_data)
        fresh = selectors.risk_detail(self.train, risk.pk)
        return Response(RiskDetailSerializer(fresh).data, status=status.HTTP_201_CREATED)


class OneRisk(TrainScoped):
    """A view of one risk: the risk with its history (404 off the train)."""

    serializer_class = RiskDetailSerializer

    def get_risk(self) -> Risk:
        return selectors.risk_detail(self.train, self.kwargs["pk"])

    def answer(self, risk: Risk) -> Response:
        return Response(self.get_serializer(selectors.risk_detail(self.train, risk.pk)).data)


class RiskDetail(OneRisk):
    @extend_schema(summary="One risk, with its ROAM history", description="Anyone with a role on the train.")
    def get(self, request, slug, pk):
        return Response(self.get_serializer(self.get_risk()).data)

    @extend_schema(
        summary="Edit a risk",
        description=f"{WHO_ROAMS} Only the fields sent change; links are replaced by the lists sent.",
        parameters=[IF_MATCH],
        request=RiskUpdateSerializer,
        responses={200: RiskDetailSerializer, **VERSIONED_REFUSALS},
        examples=[
            OpenApiExample(
                "New due date", value={"due_date": "2026-02-13", "likelihood": 4}, request_only=True
            )
        ],
    )
    def patch(self, request, slug, pk):
        risk = self.get_risk()
        allow(self, can_edit_risk(self.access, risk), NOT_ROAMER)
        version = if_match(request)
        body = RiskUpdateSerializer(data=request.data, partial=True, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        risk_update(risk=risk, expected_version=version, actor=request.user, **body.validated_data)
        return self.answer(risk)


class RiskRoam(OneRisk):
    @extend_schema(
        summary="ROAM a risk",
        description=(
            f"{WHO_ROAMS} Moves it to a ROAM column, kept in its history with the note. Owned needs an "
            "owner; Mitigated needs a mitigation plan."
        ),
        parameters=[IF_MATCH],
        request=RoamMoveSerializer,
        responses={200: RiskDetailSerializer, **VERSIONED_REFUSALS},
        examples=[
            OpenApiExample(
                "Owned by the Scrum Master",
                value={"status": "owned", "owner": "sm", "note": "Sam chases the vendor weekly."},
                request_only=True,
            )
        ],
    )
    def post(self, request, slug, pk):
        risk = self.get_risk()
        allow(self, can_roam_risk(self.access, risk), NOT_ROAMER)
        version = if_match(request)
        body = RoamMoveSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        risk_roam(risk=risk, expected_version=version, actor=request.user, **body.validated_data)
        return self.answer(risk)


class RiskRaiseToArt(OneRisk):
    @extend_schema(
        summary="Raise a team risk to the ART board",
        description=(
            "The team's Scrum Master and Product Owner, or the RTE. The RTE and Product Management then "
            "ROAM it; the team it came from is kept (`origin_team`)."
        ),
        parameters=[IF_MATCH],
        request=RaiseToArtSerializer,
        responses={200: RiskDetailSerializer, **VERSIONED_REFUSALS},
        examples=[OpenApiExample("Why", value={"note": "Two teams depend on it."}, request_only=True)],
    )
    def post(self, request, slug, pk):
        risk = self.get_risk()
        # Who may is who ROAMs it (an ART-level risk is then refused by the service: already there).
        allow(
            self,
            can_roam_risk(self.access, risk),
            "Only the team's Scrum Master or Product Owner, or the RTE, raise it to the ART.",
        )
        version = if_match(request)
        body = RaiseToArtSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        risk_raise_to_art(risk=risk, expected_version=version, actor=request.user, **body.validated_data)
        return self.answer(risk)


class RiskFromVote(TrainScoped):
    serializer_class = RiskDetailSerializer

    @extend_schema(
        summary="Turn a confidence vote's concern into a risk",
        description=(
            "The RTE, who runs the vote and the ART's risk board. The risk lands un-ROAMed on the vote's "
            "PI at its level (the team's round: the team; the ART's round: the ART board), quoting the "
            "concern; one concern makes at most one risk."
        ),
        request=FromVoteSerializer,
        responses={201: RiskDetailSerializer, **REFUSALS},
        examples=[OpenApiExample("A concern", value={"vote": 41}, request_only=True)],
    )
    def post(self, request, slug):
        # Who may is the service's rule (the RTE); it answers 403 with its reason.
        body = FromVoteSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        risk = risk_from_vote_concern(actor=request.user, **body.validated_data)
        fresh = selectors.risk_detail(self.train, risk.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)
