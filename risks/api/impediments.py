"""Impediments over HTTP: the train's list (by team, status, level and age), one impediment with its
escalations, raising, updating, escalating with a note, resolving and reopening. Every write goes
through risks.services with the caller as actor; an impediment is versioned (If-Match)."""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from planning.models import Feature
from trains.api.base import IF_MATCH, ErrorSerializer, TrainScoped, if_match
from trains.models import Team

from .. import selectors
from ..forms import WORKING_STATUSES
from ..models import Impediment, ImpedimentEscalation
from ..permissions import can_raise_any_impediment, can_update_impediment
from ..services import (
    impediment_escalate,
    impediment_raise,
    impediment_reopen,
    impediment_resolve,
    impediment_update,
)
from .common import OfTrain, Person, StableOrdering, allow

REFUSALS = {
    403: OpenApiResponse(ErrorSerializer, description="Your roles do not allow it."),
    404: OpenApiResponse(ErrorSerializer, description="No such impediment on a train you hold a role on."),
    422: OpenApiResponse(ErrorSerializer, description="A field is not valid: see `fields`."),
}
VERSIONED_REFUSALS = {
    **REFUSALS,
    412: OpenApiResponse(
        ErrorSerializer, description="Stale If-Match: `current` holds the impediment as it is now."
    ),
    428: OpenApiResponse(ErrorSerializer, description="No If-Match header."),
}
WHO = "The team's Scrum Master, or the RTE."
NOT_YOURS = "Only the team's Scrum Master (or the RTE) updates its impediments."
# Age filters take whole days; a century bounds them (and the date arithmetic).
MAX_AGE_DAYS = 36_500


# --- serializers -------------------------------------------------------------------------------------


class EscalationSerializer(serializers.ModelSerializer):
    actor = Person(read_only=True, allow_null=True)

    class Meta:
        model = ImpedimentEscalation
        fields = ["from_level", "to_level", "note", "actor", "escalated_at"]


class ImpedimentSerializer(serializers.ModelSerializer):
    owner = Person(read_only=True, allow_null=True)
    raised_by = Person(read_only=True, allow_null=True)
    blocked_features = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    age_days = serializers.SerializerMethodField(help_text="Whole days since it was raised.")

    class Meta:
        model = Impediment
        fields = [
            "id",
            "team",
            "title",
            "description",
            "severity",
            "status",
            "escalation_level",
            "owner",
            "raised_by",
            "blocked_features",
            "raised_at",
            "age_days",
            "resolved_at",
            "resolution",
            "version",
        ]
        read_only_fields = fields

    def get_age_days(self, impediment) -> int:
        return (timezone.now() - impediment.raised_at).days


class ImpedimentDetailSerializer(ImpedimentSerializer):
    """An impediment with its escalations, oldest first."""

    escalations = EscalationSerializer(many=True, read_only=True)

    class Meta(ImpedimentSerializer.Meta):
        fields = [*ImpedimentSerializer.Meta.fields, "escalations"]
        read_only_fields = fields


class ImpedimentRaiseSerializer(serializers.Serializer):
    team = OfTrain(Team)
    title = serializers.CharField(max_length=200)
    severity = serializers.ChoiceField(
        choices=Impediment.Severity.choices, default=Impediment.Severity.MEDIUM
    )
    description = serializers.CharField(required=False, allow_blank=True, default="")
    blocked_features = OfTrain(
        Feature, many=True, required=False, help_text="Features of the team it blocks (marked blocked)."
    )


class ImpedimentUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    severity = serializers.ChoiceField(choices=Impediment.Severity.choices, required=False)
    status = serializers.ChoiceField(
        choices=WORKING_STATUSES,
        required=False,
        help_text="The working status; escalating and resolving have their own actions.",
    )
    owner = Person(required=False)
    blocked_features = OfTrain(
        Feature, many=True, required=False, help_text="Replaces the list: features of the team."
    )


class EscalateSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, help_text="Why it needs escalating, and what was tried.")


class ResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="How it was solved."
    )


# --- views ---------------------------------------------------------------------------------------


class ImpedimentFilter(django_filters.FilterSet):
    team = django_filters.NumberFilter(field_name="team_id")
    status = django_filters.MultipleChoiceFilter(
        choices=Impediment.Status.choices, help_text="Repeat for several."
    )
    unresolved = django_filters.BooleanFilter(
        method="filter_unresolved", help_text="Everything not resolved."
    )
    escalation_level = django_filters.MultipleChoiceFilter(choices=Impediment.Level.choices)
    age_min_days = django_filters.NumberFilter(
        method="filter_age_min",
        min_value=0,
        max_value=MAX_AGE_DAYS,
        help_text="Raised at least this many days ago.",
    )
    age_max_days = django_filters.NumberFilter(
        method="filter_age_max",
        min_value=0,
        max_value=MAX_AGE_DAYS,
        help_text="Raised at most this many days ago.",
    )

    class Meta:
        model = Impediment
        fields = ["team", "status", "unresolved", "escalation_level", "age_min_days", "age_max_days"]

    def filter_unresolved(self, rows, name, value):
        resolved = Impediment.Status.RESOLVED
        return rows.exclude(status=resolved) if value else rows.filter(status=resolved)

    def filter_age_min(self, rows, name, value):
        return rows.filter(raised_at__lte=timezone.now() - timedelta(days=int(value)))

    def filter_age_max(self, rows, name, value):
        # "At most n days old" keeps the whole n-th day: younger than n + 1 days.
        return rows.filter(raised_at__gt=timezone.now() - timedelta(days=int(value) + 1))


def _severity_rank() -> Case:
    return Case(
        *[When(severity=severity, then=Value(rank)) for severity, rank in selectors.SEVERITY_RANK.items()],
        default=Value(0),
        output_field=IntegerField(),
    )


def _impediments(train) -> QuerySet[Impediment]:
    return selectors.impediments(train, status="any").annotate(severity_rank=_severity_rank())


class ImpedimentList(TrainScoped, generics.ListAPIView):
    queryset = Impediment.objects.all()
    serializer_class = ImpedimentSerializer
    filter_backends = [DjangoFilterBackend, StableOrdering]
    filterset_class = ImpedimentFilter
    ordering_fields = ["severity_rank", "raised_at", "title"]
    ordering = ["-severity_rank", "raised_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Impediment.objects.none()
        return _impediments(self.train)

    @extend_schema(
        summary="The train's impediments",
        description=(
            "Anyone with a role on the train. Filter by team, status (or `unresolved`), escalation level "
            "and age in days; most severe then oldest first unless `ordering` says otherwise "
            "(`severity_rank`, `raised_at`, `title`; `-` for descending)."
        ),
    )
    def get(self, request, slug):
        return self.list(request)

    @extend_schema(
        summary="Raise an impediment",
        description="A team's Scrum Master for their team; the RTE for any team. The features it blocks are marked blocked.",
        request=ImpedimentRaiseSerializer,
        responses={201: ImpedimentDetailSerializer, **REFUSALS},
        examples=[
            OpenApiExample(
                "Blocked by a test environment",
                value={
                    "team": 2,
                    "title": "No staging environment",
                    "severity": "high",
                    "blocked_features": [12],
                },
                request_only=True,
            )
        ],
    )
    def post(self, request, slug):
        allow(self, can_raise_any_impediment(self.access), "Scrum Masters raise their team's impediments.")
        body = ImpedimentRaiseSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        impediment = impediment_raise(actor=request.user, **body.validated_data)
        fresh = selectors.impediment_detail(self.train, impediment.pk)
        return Response(ImpedimentDetailSerializer(fresh).data, status=status.HTTP_201_CREATED)


class OneImpediment(TrainScoped):
    serializer_class = ImpedimentDetailSerializer

    def get_impediment(self) -> Impediment:
        return selectors.impediment_detail(self.train, self.kwargs["pk"])

    def act(self, request, body_class, service) -> Response:
        """Check who, the version and the body, call the service, answer the impediment as it is now."""
        impediment = self.get_impediment()
        allow(self, can_update_impediment(self.access, impediment), NOT_YOURS)
        version = if_match(request)
        body = body_class(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        service(impediment=impediment, expected_version=version, actor=request.user, **body.validated_data)
        return Response(self.get_serializer(selectors.impediment_detail(self.train, impediment.pk)).data)


class ImpedimentDetail(OneImpediment):
    @extend_schema(
        summary="One impediment, with its escalations", description="Anyone with a role on the train."
    )
    def get(self, request, slug, pk):
        return Response(self.get_serializer(self.get_impediment()).data)

    @extend_schema(
        summary="Update an impediment",
        description=f"{WHO} Its words, severity, owner, working status and the features it blocks; only the fields sent change.",
        parameters=[IF_MATCH],
        request=ImpedimentUpdateSerializer,
        responses={200: ImpedimentDetailSerializer, **VERSIONED_REFUSALS},
        examples=[
            OpenApiExample(
                "Being worked on", value={"status": "in_progress", "owner": "sm"}, request_only=True
            )
        ],
    )
    def patch(self, request, slug, pk):
        return self.act(request, ImpedimentUpdateSerializer, impediment_update)


class ImpedimentEscalate(OneImpediment):
    @extend_schema(
        summary="Escalate an impediment one level",
        description=f"{WHO} Team → ART → portfolio, with a note saying why; kept in its escalations.",
        parameters=[IF_MATCH],
        request=EscalateSerializer,
        responses={200: ImpedimentDetailSerializer, **VERSIONED_REFUSALS},
        examples=[
            OpenApiExample(
                "Needs the ART",
                value={"note": "Ops will not give us a staging slot; asked twice."},
                request_only=True,
            )
        ],
    )
    def post(self, request, slug, pk):
        return self.act(request, EscalateSerializer, impediment_escalate)


class ImpedimentResolve(OneImpediment):
    @extend_schema(
        summary="Resolve an impediment",
        description=f"{WHO} Its features are unblocked unless another open impediment still blocks them.",
        parameters=[IF_MATCH],
        request=ResolveSerializer,
        responses={200: ImpedimentDetailSerializer, **VERSIONED_REFUSALS},
        examples=[OpenApiExample("Solved", value={"resolution": "Staging slot booked."}, request_only=True)],
    )
    def post(self, request, slug, pk):
        return self.act(request, ResolveSerializer, impediment_resolve)


class EmptyBody(serializers.Serializer):
    pass


class ImpedimentReopen(OneImpediment):
    @extend_schema(
        summary="Reopen a resolved impediment",
        description=f"{WHO} It is open again at the level it had reached and blocks its features again.",
        parameters=[IF_MATCH],
        request=None,
        responses={200: ImpedimentDetailSerializer, **VERSIONED_REFUSALS},
    )
    def post(self, request, slug, pk):
        return self.act(request, EmptyBody, impediment_reopen)
