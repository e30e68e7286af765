"""The ART Sync over HTTP: the meetings of a PI, opening today's, its notes, and the action items
captured in it and carried until done. Writes go through risks.services with the caller as actor."""

from __future__ import annotations

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from planning.models import ProgramIncrement
from trains.api.base import ErrorSerializer, TrainScoped

from .. import selectors
from ..models import ActionItem, ArtSync
from ..permissions import can_complete_action, can_run_art_sync
from ..services import action_create, action_set_done, art_sync_start, art_sync_update
from .common import OfTrain, Person, StableOrdering, allow

REFUSALS = {
    403: OpenApiResponse(ErrorSerializer, description="Your roles do not allow it."),
    404: OpenApiResponse(ErrorSerializer, description="Not on a train you hold a role on."),
    422: OpenApiResponse(ErrorSerializer, description="A field is not valid: see `fields`."),
}
NOT_RTE = "The RTE runs the ART Sync."


# --- serializers -------------------------------------------------------------------------------------


class ActionItemSerializer(serializers.ModelSerializer):
    owner = Person(read_only=True)

    class Meta:
        model = ActionItem
        fields = ["id", "title", "owner", "due_date", "status", "raised_in", "created_at", "done_at"]
        read_only_fields = fields


class ArtSyncSerializer(serializers.ModelSerializer):
    class Meta:
        model = ArtSync
        fields = ["id", "pi", "held_on", "notes"]
        read_only_fields = fields


class SyncActionsSerializer(serializers.Serializer):
    carried = ActionItemSerializer(
        many=True, help_text="From earlier syncs of the PI: open on its day, or ticked off since."
    )
    carried_from_earlier_pis = ActionItemSerializer(many=True)
    raised = ActionItemSerializer(many=True, help_text="Captured in this meeting.")


class ArtSyncDetailSerializer(ArtSyncSerializer):
    """A meeting with the actions it goes through."""

    actions = serializers.SerializerMethodField()

    class Meta(ArtSyncSerializer.Meta):
        fields = [*ArtSyncSerializer.Meta.fields, "actions"]
        read_only_fields = fields

    @extend_schema_field(SyncActionsSerializer)
    def get_actions(self, sync) -> dict:
        return SyncActionsSerializer(selectors.actions_for_sync(sync)).data


class ArtSyncStartSerializer(serializers.Serializer):
    pi = OfTrain(ProgramIncrement, help_text="The PI the meeting belongs to.")


class ArtSyncNotesSerializer(serializers.Serializer):
    notes = serializers.CharField(allow_blank=True)


class ActionCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    owner = Person(help_text="Who does it: a username on the train.")
    due_date = serializers.DateField(help_text="Not in the past.")


class ActionStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=ActionItem.Status.choices, help_text="done ticks it off; open reopens it."
    )


# --- meetings ----------------------------------------------------------------------------------------


class ArtSyncList(TrainScoped, generics.ListAPIView):
    queryset = ArtSync.objects.all()
    serializer_class = ArtSyncSerializer
    filter_backends = [DjangoFilterBackend, StableOrdering]
    filterset_fields = ["pi"]
    ordering_fields = ["held_on"]
    ordering = ["-held_on"]

    @extend_schema(
        summary="The train's ART Sync meetings",
        description="Anyone with a role on the train. Newest first; filter by PI.",
    )
    def get(self, request, slug):
        return self.list(request)

    @extend_schema(
        summary="Open today's ART Sync",
        description="The RTE. Opening it twice on a day answers the same meeting.",
        request=ArtSyncStartSerializer,
        responses={201: ArtSyncDetailSerializer, **REFUSALS},
        examples=[OpenApiExample("This week's", value={"pi": 7}, request_only=True)],
    )
    def post(self, request, slug):
        allow(self, can_run_art_sync(self.access), NOT_RTE)
        body = ArtSyncStartSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        sync = art_sync_start(train=self.train, actor=request.user, **body.validated_data)
        return Response(ArtSyncDetailSerializer(sync).data, status=status.HTTP_201_CREATED)


class ArtSyncDetail(TrainScoped):
    queryset = ArtSync.objects.all()
    serializer_class = ArtSyncDetailSerializer

    @extend_schema(
        summary="One ART Sync, with the actions it goes through",
        description="Anyone with a role on the train.",
    )
    def get(self, request, slug, pk):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Keep an ART Sync's notes",
        description="The RTE.",
        request=ArtSyncNotesSerializer,
        responses={200: ArtSyncDetailSerializer, **REFUSALS},
        examples=[
            OpenApiExample("Notes", value={"notes": "Gemini's API slipped a week."}, request_only=True)
        ],
    )
    def patch(self, request, slug, pk):
        sync = self.get_object()
        allow(self, can_run_art_sync(self.access), "The RTE keeps the ART Sync's notes.")
        body = ArtSyncNotesSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        art_sync_update(sync=sync, actor=request.user, **body.validated_data)
        return Response(self.get_serializer(sync).data)


# --- action items --------------------------------------------------------------------------------


class ActionItemCreate(TrainScoped):
    queryset = ArtSync.objects.all()
    serializer_class = ActionItemSerializer

    @extend_schema(
        summary="Capture an action in an ART Sync",
        description="The RTE. Who does what by when; it is carried to every later sync until done.",
        request=ActionCreateSerializer,
        responses={201: ActionItemSerializer, **REFUSALS},
        examples=[
            OpenApiExample(
                "An action",
                value={"title": "Book the staging slot", "owner": "sm", "due_date": "2026-12-11"},
                request_only=True,
            )
        ],
    )
    def post(self, request, slug, pk):
        sync = self.get_object()
        allow(self, can_run_art_sync(self.access), "The RTE captures the ART Sync's actions.")
        body = ActionCreateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        action = action_create(sync=sync, actor=request.user, **body.validated_data)
        return Response(self.get_serializer(action).data, status=status.HTTP_201_CREATED)


class ActionItemFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ActionItem.Status.choices)
    owner = django_filters.CharFilter(field_name="owner__username", help_text="A username.")
    raised_in = django_filters.NumberFilter(field_name="raised_in_id", help_text="An ART Sync's id.")
    pi = django_filters.NumberFilter(field_name="raised_in__pi_id")

    class Meta:
        model = ActionItem
        fields = ["status", "owner", "raised_in", "pi"]


class ActionItemList(TrainScoped, generics.ListAPIView):
    queryset = ActionItem.objects.select_related("owner")
    serializer_class = ActionItemSerializer
    filter_backends = [DjangoFilterBackend, StableOrdering]
    filterset_class = ActionItemFilter
    ordering_fields = ["due_date", "created_at"]
    ordering = ["due_date"]

    @extend_schema(
        summary="The train's ART Sync action items",
        description="Anyone with a role on the train. Soonest due first; filter by status, owner, meeting, PI.",
    )
    def get(self, request, slug):
        return self.list(request)


class ActionItemDetail(TrainScoped):
    queryset = ActionItem.objects.select_related("owner")
    serializer_class = ActionItemSerializer

    @extend_schema(summary="One action item", description="Anyone with a role on the train.")
    def get(self, request, slug, pk):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Tick an action item off, or reopen it",
        description="Its owner, or the RTE.",
        request=ActionStatusSerializer,
        responses={200: ActionItemSerializer, **REFUSALS},
        examples=[OpenApiExample("Done", value={"status": "done"}, request_only=True)],
    )
    def patch(self, request, slug, pk):
        action = self.get_object()
        allow(
            self, can_complete_action(self.access, action), "Only the action's owner or the RTE ticks it off."
        )
        body = ActionStatusSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        done = body.validated_data["status"] == ActionItem.Status.DONE
        action_set_done(action=action, done=done, actor=request.user)
        return Response(self.get_serializer(action).data)
