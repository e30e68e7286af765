"""Delivery events over HTTP: deployments, incidents and defects of a train, as CI/CD pipelines and
incident tools post them with a personal API token, and a CSV file of one kind.

Posting an event whose `reference` (the pipeline run, the commit SHA, the incident's id) the train
already knows updates that event and answers 200; a new one answers 201. A tool can therefore post
an event again as it progresses (an incident opened, then restored) without If-Match: it is the
event's source. A person's PATCH or DELETE of an incident or a defect takes If-Match, as every
versioned resource does. Every write goes through planning/services/delivery.py as the caller.
"""

from collections.abc import Callable
from datetime import UTC

from django.core.exceptions import ValidationError as DjangoValidationError
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from planning.imports.delivery import COLUMNS, delivery_import
from planning.models import Defect, Deployment, Feature, Incident
from planning.permissions import can_record_any_delivery, can_record_delivery
from planning.selectors.delivery import NO_DEPLOYMENT_REFERENCE, deployment_by_reference
from planning.services import delivery as services
from trains.api.base import IF_MATCH, TrainScoped, if_match
from trains.api.errors import body
from trains.models import Team

from .board import LIST_BACKENDS, READ, IdFilter, refusals, validated
from .serializers_board import OnTrain

WHO = (
    "A team's Scrum Master, Product Owner and team members for their own team; the RTE and the System "
    "Architect for any team, and for events of no team."
)
RECORD = (
    f"{WHO} A `reference` the train already knows updates that event (200) instead of adding another "
    "(201): post again as the event progresses, with no If-Match. Times in ISO 8601; without a zone, "
    "the train's time."
)
WRITE_REFUSALS = refusals(403, 404, 422)
VERSIONED_REFUSALS = refusals(403, 404, 412, 422, 428)
NOT_YOURS = services.NOT_YOURS


class _Recorder(serializers.Serializer):
    """Fields a create may leave out keep their defaults (or, for a known reference, their values)."""

    reference = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="The pipeline run id, commit SHA or ticket id: unique per train, so a repost updates.",
    )
    team = OnTrain(Team, "train", required=False, allow_null=True)


# --- serializers ----------------------------------------------------------------------------------------


class DeploymentSerializer(serializers.ModelSerializer):
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Deployment
        fields = [
            "id",
            "team",
            "service",
            "environment",
            "deployed_at",
            "committed_at",
            "merged_at",
            "succeeded",
            "rolled_back",
            "reference",
            "created_at",
            "recorded_by",
        ]
        read_only_fields = fields


class DeploymentWriteSerializer(_Recorder):
    service = serializers.CharField(max_length=100, help_text="As the pipeline names it.")
    environment = serializers.CharField(
        max_length=40, required=False, help_text="production (the default) is the one the DORA figures count."
    )
    deployed_at = serializers.DateTimeField()
    committed_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="The first commit of the change it carries."
    )
    merged_at = serializers.DateTimeField(required=False, allow_null=True)
    succeeded = serializers.BooleanField(required=False)
    rolled_back = serializers.BooleanField(required=False)


class IncidentSerializer(serializers.ModelSerializer):
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    is_open = serializers.BooleanField(read_only=True, help_text="Not restored yet.")

    class Meta:
        model = Incident
        fields = [
            "id",
            "team",
            "service",
            "title",
            "severity",
            "started_at",
            "restored_at",
            "is_open",
            "deployment",
            "reference",
            "created_at",
            "recorded_by",
            "version",
        ]
        read_only_fields = fields


class IncidentWriteSerializer(_Recorder):
    service = serializers.CharField(max_length=100)
    title = serializers.CharField(max_length=200)
    severity = serializers.ChoiceField(choices=Incident.Severity.choices, required=False)
    started_at = serializers.DateTimeField()
    restored_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Empty while it is open."
    )
    deployment = OnTrain(
        Deployment,
        "train",
        required=False,
        allow_null=True,
        help_text="The deployment that caused it (its id).",
    )
    deployment_reference = serializers.CharField(
        max_length=200,
        required=False,
        write_only=True,
        help_text="Or the reference of the deployment that caused it, as the pipeline posted it.",
    )

    def validate(self, data):
        reference = data.pop("deployment_reference", "")
        if reference:
            train = self.context["view"].train
            cause = deployment_by_reference(train, reference)
            if cause is None:
                raise serializers.ValidationError(
                    {"deployment_reference": NO_DEPLOYMENT_REFERENCE.format(reference)}
                )
            data["deployment"] = cause
        return data


class DefectSerializer(serializers.ModelSerializer):
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    is_open = serializers.BooleanField(read_only=True, help_text="Not resolved yet.")

    class Meta:
        model = Defect
        fields = [
            "id",
            "team",
            "feature",
            "title",
            "severity",
            "found_in",
            "found_at",
            "resolved_at",
            "is_open",
            "reference",
            "created_at",
            "recorded_by",
            "version",
        ]
        read_only_fields = fields


class DefectWriteSerializer(_Recorder):
    title = serializers.CharField(max_length=200)
    severity = serializers.ChoiceField(choices=Defect.Severity.choices, required=False)
    found_in = serializers.ChoiceField(
        choices=Defect.FoundIn.choices,
        required=False,
        help_text="production: it escaped; before_release (the default): it was caught.",
    )
    found_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Empty while it is open."
    )
    feature = OnTrain(
        Feature, "train", required=False, allow_null=True, help_text="Without a team: the feature's team."
    )


# --- filters --------------------------------------------------------------------------------------------


class _UtcMoment(IsoDateTimeField):
    """An ISO 8601 time, handed to the database in UTC: PostgreSQL refuses a zone offset beyond
    ±15:59 (an error that would end the request's transaction), which Python accepts up to ±23:59."""

    def clean(self, value):
        moment = super().clean(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise DjangoValidationError("Give a time between the years 1 and 9999.", code="invalid") from None


class MomentFilter(filters.IsoDateTimeFilter):
    field_class = _UtcMoment


def _time_filters(field: str):
    since = MomentFilter(field_name=field, lookup_expr="gte", help_text="From this time on (ISO 8601).")
    until = MomentFilter(field_name=field, lookup_expr="lt", help_text="Before this time (ISO 8601).")
    return since, until


class DeploymentFilter(filters.FilterSet):
    team = IdFilter(help_text="Deployments of this team.")
    service = filters.CharFilter(lookup_expr="iexact")
    environment = filters.CharFilter(lookup_expr="iexact")
    succeeded = filters.BooleanFilter()
    since, until = _time_filters("deployed_at")

    class Meta:
        model = Deployment
        fields = ["team", "service", "environment", "succeeded", "since", "until"]


class _OpenFilter(filters.FilterSet):
    open_field = ""
    open = filters.BooleanFilter(method="filter_open", help_text="true: still open; false: closed.")

    def filter_open(self, rows, name, value):
        return rows.filter(**{f"{self.open_field}__isnull": value})


class IncidentFilter(_OpenFilter):
    open_field = "restored_at"
    team = IdFilter(help_text="Incidents of this team.")
    service = filters.CharFilter(lookup_expr="iexact")
    severity = filters.ChoiceFilter(choices=Incident.Severity.choices)
    since, until = _time_filters("started_at")

    class Meta:
        model = Incident
        fields = ["team", "service", "severity", "open", "since", "until"]


class DefectFilter(_OpenFilter):
    open_field = "resolved_at"
    team = IdFilter(help_text="Defects of this team.")
    feature = IdFilter(help_text="Defects of this feature.")
    severity = filters.ChoiceFilter(choices=Defect.Severity.choices)
    found_in = filters.ChoiceFilter(choices=Defect.FoundIn.choices)
    since, until = _time_filters("found_at")

    class Meta:
        model = Defect
        fields = ["team", "feature", "severity", "found_in", "open", "since", "until"]


# --- views ----------------------------------------------------------------------------------------------


class _EventList(TrainScoped, generics.ListAPIView):
    filter_backends = LIST_BACKENDS
    write_serializer: type[serializers.Serializer]
    record: Callable[..., services.Recorded]  # the kind's `*_record` service

    def post(self, request, slug):
        self.access.require(can_record_any_delivery(self.access), NOT_YOURS)
        data = validated(self.write_serializer, self)
        recorded = self.record(train=self.train, actor=request.user, **data)
        code = status.HTTP_201_CREATED if recorded.created else status.HTTP_200_OK
        return Response(self.get_serializer(recorded.event).data, status=code)


class DeploymentList(_EventList):
    serializer_class = DeploymentSerializer
    write_serializer = DeploymentWriteSerializer
    queryset = Deployment.objects.select_related("recorded_by")
    filterset_class = DeploymentFilter
    ordering_fields = ["id", "deployed_at", "service"]
    ordering = ["-deployed_at"]
    record = staticmethod(services.deployment_record)

    @extend_schema(
        summary="The train's deployments",
        description=f"{READ} Newest first; filter by team, service, environment, success and time.",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Record a deployment (or update the one with this reference)",
        description=RECORD,
        request=DeploymentWriteSerializer,
        responses={201: DeploymentSerializer, 200: DeploymentSerializer, **WRITE_REFUSALS},
        examples=[
            OpenApiExample(
                "A pipeline run",
                value={
                    "team": 3,
                    "service": "checkout",
                    "deployed_at": "2026-03-02T10:15:00Z",
                    "committed_at": "2026-02-27T16:40:00Z",
                    "merged_at": "2026-03-02T09:30:00Z",
                    "succeeded": True,
                    "reference": "pipeline-8812",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request, slug):
        return super().post(request, slug)


class IncidentList(_EventList):
    serializer_class = IncidentSerializer
    write_serializer = IncidentWriteSerializer
    queryset = Incident.objects.select_related("recorded_by")
    filterset_class = IncidentFilter
    ordering_fields = ["id", "started_at", "restored_at", "severity"]
    ordering = ["-started_at"]
    record = staticmethod(services.incident_record)

    @extend_schema(
        summary="The train's incidents",
        description=f"{READ} Newest first; filter by team, service, severity, open and time.",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Record an incident (or update the one with this reference)",
        description=RECORD,
        request=IncidentWriteSerializer,
        responses={201: IncidentSerializer, 200: IncidentSerializer, **WRITE_REFUSALS},
        examples=[
            OpenApiExample(
                "Opened by the incident tool",
                value={
                    "service": "checkout",
                    "title": "Card payments fail",
                    "severity": "high",
                    "started_at": "2026-03-02T10:40:00Z",
                    "deployment_reference": "pipeline-8812",
                    "reference": "INC-311",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request, slug):
        return super().post(request, slug)


class DefectList(_EventList):
    serializer_class = DefectSerializer
    write_serializer = DefectWriteSerializer
    queryset = Defect.objects.select_related("recorded_by")
    filterset_class = DefectFilter
    ordering_fields = ["id", "found_at", "resolved_at", "severity"]
    ordering = ["-found_at"]
    record = staticmethod(services.defect_record)

    @extend_schema(
        summary="The train's defects",
        description=f"{READ} Newest first; filter by team, feature, severity, where found, open and time.",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Record a defect (or update the one with this reference)",
        description=RECORD,
        request=DefectWriteSerializer,
        responses={201: DefectSerializer, 200: DefectSerializer, **WRITE_REFUSALS},
        examples=[
            OpenApiExample(
                "Escaped to production",
                value={
                    "feature": 42,
                    "title": "Totals round wrongly",
                    "severity": "medium",
                    "found_in": "production",
                    "found_at": "2026-03-04T08:00:00Z",
                    "reference": "BUG-1207",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request, slug):
        return super().post(request, slug)


class _EventDetail(TrainScoped, generics.GenericAPIView):
    def get_writable(self):
        """The event, once the caller is known to record its team's events (403 before the body is read)."""
        event = self.get_object()
        self.access.require(can_record_delivery(self.access, event.team_id), NOT_YOURS)
        return event


class DeploymentDetail(_EventDetail):
    serializer_class = DeploymentSerializer
    queryset = Deployment.objects.select_related("recorded_by")

    @extend_schema(summary="One deployment", description=READ)
    def get(self, request, slug, pk):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Correct a deployment",
        description=f"{WHO} Only the fields sent change.",
        request=DeploymentWriteSerializer,
        responses={200: DeploymentSerializer, **WRITE_REFUSALS},
        examples=[OpenApiExample("Rolled back", value={"rolled_back": True}, request_only=True)],
    )
    def patch(self, request, slug, pk):
        deployment = self.get_writable()
        data = validated(DeploymentWriteSerializer, self, partial=True)
        deployment = services.deployment_update(deployment=deployment, actor=request.user, **data)
        return Response(self.get_serializer(deployment).data)

    @extend_schema(
        summary="Remove a deployment recorded by mistake",
        description=f"{WHO} The incidents it caused keep no cause.",
        responses={204: None, **WRITE_REFUSALS},
    )
    def delete(self, request, slug, pk):
        services.deployment_delete(deployment=self.get_writable(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class _VersionedDetail(_EventDetail):
    write_serializer: type[serializers.Serializer]

    def change(self, request):
        event = self.get_writable()
        version = if_match(request)
        data = validated(self.write_serializer, self, partial=True)
        event = self.update(event=event, actor=request.user, expected_version=version, **data)
        return Response(self.get_serializer(event).data)

    def remove(self, request):
        event = self.get_writable()
        version = if_match(request)
        self.delete_event(event=event, actor=request.user, expected_version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)


class IncidentDetail(_VersionedDetail):
    serializer_class = IncidentSerializer
    write_serializer = IncidentWriteSerializer
    queryset = Incident.objects.select_related("recorded_by")

    def update(self, *, event, **kwargs):
        return services.incident_update(incident=event, **kwargs)

    def delete_event(self, *, event, **kwargs):
        services.incident_delete(incident=event, **kwargs)

    @extend_schema(summary="One incident", description=READ)
    def get(self, request, slug, pk):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Change an incident (restore it: send restored_at)",
        description=f"{WHO} Only the fields sent change.",
        parameters=[IF_MATCH],
        request=IncidentWriteSerializer,
        responses={200: IncidentSerializer, **VERSIONED_REFUSALS},
        examples=[
            OpenApiExample("Restored", value={"restored_at": "2026-03-02T11:25:00Z"}, request_only=True)
        ],
    )
    def patch(self, request, slug, pk):
        return self.change(request)

    @extend_schema(
        summary="Remove an incident recorded by mistake",
        description=WHO,
        parameters=[IF_MATCH],
        responses={204: None, **VERSIONED_REFUSALS},
    )
    def delete(self, request, slug, pk):
        return self.remove(request)


class DefectDetail(_VersionedDetail):
    serializer_class = DefectSerializer
    write_serializer = DefectWriteSerializer
    queryset = Defect.objects.select_related("recorded_by")

    def update(self, *, event, **kwargs):
        return services.defect_update(defect=event, **kwargs)

    def delete_event(self, *, event, **kwargs):
        services.defect_delete(defect=event, **kwargs)

    @extend_schema(summary="One defect", description=READ)
    def get(self, request, slug, pk):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Change a defect (resolve it: send resolved_at)",
        description=f"{WHO} Only the fields sent change.",
        parameters=[IF_MATCH],
        request=DefectWriteSerializer,
        responses={200: DefectSerializer, **VERSIONED_REFUSALS},
        examples=[
            OpenApiExample("Resolved", value={"resolved_at": "2026-03-05T15:00:00Z"}, request_only=True)
        ],
    )
    def patch(self, request, slug, pk):
        return self.change(request)

    @extend_schema(
        summary="Remove a defect recorded by mistake",
        description=WHO,
        parameters=[IF_MATCH],
        responses={204: None, **VERSIONED_REFUSALS},
    )
    def delete(self, request, slug, pk):
        return self.remove(request)


# --- CSV import -----------------------------------------------------------------------------------------

_COLUMNS_TEXT = "; ".join(f"{kind}s: {', '.join(columns)}" for kind, columns in COLUMNS.items())


class _Upload(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[(kind, f"{kind}s") for kind in COLUMNS])
    file = serializers.FileField()


class DeliveryImport(TrainScoped, generics.GenericAPIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    serializer_class = _Upload

    @extend_schema(
        summary="Import delivery events from a CSV file, whole or nothing",
        description=(
            f"{WHO} One file per kind, UTF-8, a header row naming the columns ({_COLUMNS_TEXT}); "
            "team by name, feature by id or tracker key, incident's cause by its deployment's reference, "
            "true/false (yes/no, 1/0) for succeeded and rolled_back. A row whose reference the train knows "
            "updates that event. 200 with the counts; 422 with every problem (line, column, reason) and "
            "nothing written."
        ),
        request={
            "multipart/form-data": inline_serializer(
                "DeliveryImportUpload",
                {"kind": serializers.ChoiceField(choices=list(COLUMNS)), "file": serializers.FileField()},
            )
        },
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="{kind, created, updated, problems: []}"),
            **refusals(403, 404, 422),
        },
    )
    def post(self, request, slug):
        self.access.require(can_record_any_delivery(self.access), NOT_YOURS)
        data = validated(_Upload, self)
        result = delivery_import(train=self.train, kind=data["kind"], file=data["file"], actor=request.user)
        if not result.ok:
            message = f"{len(result.problems)} problem(s) in the file: nothing was imported."
            return Response(body(422, message, **result.as_dict()), status=422)
        return Response(result.as_dict())
