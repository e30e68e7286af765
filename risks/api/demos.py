"""System demos over HTTP: each iteration's demo with its readiness, what is shown and how it went,
and the follow-ups agreed there. Writes go through risks.services with the caller as actor."""

from __future__ import annotations

import django_filters
from django.db.models import Count, F, Prefetch, Q
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from planning.models import Feature, Iteration
from trains.api.base import ErrorSerializer, TrainScoped

from .. import figures
from ..models import DemoFollowUp, DemoItem, SystemDemo
from ..permissions import can_complete_follow_up, can_run_system_demo
from ..services import (
    demo_follow_up_add,
    demo_follow_up_set_done,
    demo_item_add,
    demo_item_record,
    demo_item_remove,
    system_demo_plan,
    system_demo_update,
)
from .common import OfTrain, Person, StableOrdering, allow

REFUSALS = {
    403: OpenApiResponse(ErrorSerializer, description="Your roles do not allow it."),
    404: OpenApiResponse(ErrorSerializer, description="Not on a train you hold a role on."),
    422: OpenApiResponse(ErrorSerializer, description="A field is not valid: see `fields`."),
}
RUNNERS = "The RTE, Product Management or the System Architect."
NOT_RUNNER = "The RTE, Product Management or the System Architect run the system demo."
SHOWN = DemoItem.Outcome.SHOWN


# --- serializers -------------------------------------------------------------------------------------


class DemoItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = DemoItem
        fields = ["id", "demo", "feature", "title", "outcome", "feedback", "created_at"]
        read_only_fields = fields


class FollowUpSerializer(serializers.ModelSerializer):
    owner = Person(read_only=True, allow_null=True)

    class Meta:
        model = DemoFollowUp
        fields = ["id", "demo", "title", "owner", "due_date", "status", "created_at", "done_at"]
        read_only_fields = fields


class SystemDemoSerializer(serializers.ModelSerializer):
    pi = serializers.IntegerField(source="iteration.pi_id", read_only=True)
    items_planned = serializers.IntegerField(read_only=True)
    items_shown = serializers.IntegerField(read_only=True, help_text="Shown as expected.")
    readiness = serializers.SerializerMethodField(
        help_text="% of the planned items shown as expected; null: none planned."
    )
    created_by = Person(read_only=True, allow_null=True)

    class Meta:
        model = SystemDemo
        fields = [
            "id",
            "pi",
            "iteration",
            "held_on",
            "notes",
            "items_planned",
            "items_shown",
            "readiness",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_readiness(self, demo) -> float | None:
        return figures.demo_readiness(shown_as_expected=demo.items_shown, planned=demo.items_planned)


class SystemDemoDetailSerializer(SystemDemoSerializer):
    items = DemoItemSerializer(many=True, read_only=True)
    follow_ups = FollowUpSerializer(many=True, read_only=True)

    class Meta(SystemDemoSerializer.Meta):
        fields = [*SystemDemoSerializer.Meta.fields, "items", "follow_ups"]
        read_only_fields = fields


class DemoPlanSerializer(serializers.Serializer):
    iteration = OfTrain(
        Iteration, "pi__train", help_text="Its features planned to finish there become its items."
    )


class DemoUpdateSerializer(serializers.Serializer):
    held_on = serializers.DateField(
        required=False, allow_null=True, help_text="Within the iteration and the PI."
    )
    notes = serializers.CharField(required=False, allow_blank=True, help_text="The stakeholders' feedback.")


class DemoItemAddSerializer(serializers.Serializer):
    feature = OfTrain(Feature, required=False, allow_null=True, help_text="A feature of the demo's PI.")
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class DemoItemRecordSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=DemoItem.Outcome.choices)
    feedback = serializers.CharField(required=False, allow_blank=True, default="")


class FollowUpAddSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    owner = Person(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True, help_text="Not in the past.")


class FollowUpStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=DemoFollowUp.Status.choices)


# --- demos ---------------------------------------------------------------------------------------


def _demos():
    return SystemDemo.objects.select_related("iteration", "created_by").annotate(
        iteration_start=F("iteration__start_date"),
        items_planned=Count("items", distinct=True),
        items_shown=Count("items", filter=Q(items__outcome=SHOWN), distinct=True),
    )


def _demo_detail():
    return _demos().prefetch_related(
        Prefetch("items", queryset=DemoItem.objects.order_by("pk")),
        Prefetch(
            "follow_ups",
            queryset=DemoFollowUp.objects.select_related("owner").order_by("status", "due_date", "pk"),
        ),
    )


class DemoFilter(django_filters.FilterSet):
    pi = django_filters.NumberFilter(field_name="iteration__pi_id")
    iteration = django_filters.NumberFilter(field_name="iteration_id")

    class Meta:
        model = SystemDemo
        fields = ["pi", "iteration"]


class SystemDemoList(TrainScoped, generics.ListAPIView):
    queryset = _demos()
    train_path = "iteration__pi__train"
    serializer_class = SystemDemoSerializer
    filter_backends = [DjangoFilterBackend, StableOrdering]
    filterset_class = DemoFilter
    ordering_fields = ["iteration_start"]
    ordering = ["iteration_start"]

    @extend_schema(
        summary="The train's system demos",
        description="Anyone with a role on the train. In iteration order, with demo readiness; filter by PI or iteration.",
    )
    def get(self, request, slug):
        return self.list(request)

    @extend_schema(
        summary="Plan an iteration's system demo",
        description=(
            f"{RUNNERS} On the iteration's last day, showing the features planned to finish in it. "
            "Planning it twice answers the same demo."
        ),
        request=DemoPlanSerializer,
        responses={201: SystemDemoDetailSerializer, **REFUSALS},
        examples=[OpenApiExample("Iteration 2", value={"iteration": 31}, request_only=True)],
    )
    def post(self, request, slug):
        allow(self, can_run_system_demo(self.access), NOT_RUNNER)
        body = DemoPlanSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        demo = system_demo_plan(actor=request.user, **body.validated_data)
        fresh = _demo_detail().get(pk=demo.pk)
        return Response(SystemDemoDetailSerializer(fresh).data, status=status.HTTP_201_CREATED)


class DemoScoped(TrainScoped):
    train_path = "iteration__pi__train"
    queryset = _demo_detail()
    serializer_class = SystemDemoDetailSerializer

    def answer(self, demo: SystemDemo, status_code: int = 200) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=demo.pk)).data, status=status_code)


class SystemDemoDetail(DemoScoped):
    @extend_schema(
        summary="One system demo, with its items and follow-ups",
        description="Anyone with a role on the train.",
    )
    def get(self, request, slug, pk):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Set a system demo's date and feedback notes",
        description=f"{RUNNERS} Only the fields sent change.",
        request=DemoUpdateSerializer,
        responses={200: SystemDemoDetailSerializer, **REFUSALS},
        examples=[
            OpenApiExample(
                "Feedback", value={"notes": "Stakeholders want the export sooner."}, request_only=True
            )
        ],
    )
    def patch(self, request, slug, pk):
        demo = self.get_object()
        allow(self, can_run_system_demo(self.access), NOT_RUNNER)
        body = DemoUpdateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        changes = {"held_on": demo.held_on, "notes": demo.notes, **body.validated_data}
        system_demo_update(demo=demo, actor=request.user, **changes)
        return self.answer(demo)


class DemoItemCreate(DemoScoped):
    @extend_schema(
        summary="Add an item to a system demo",
        description=f"{RUNNERS} A feature of the PI, or (no feature) a named item.",
        request=DemoItemAddSerializer,
        responses={201: DemoItemSerializer, **REFUSALS},
        examples=[OpenApiExample("A feature", value={"feature": 12}, request_only=True)],
    )
    def post(self, request, slug, pk):
        demo = self.get_object()
        allow(self, can_run_system_demo(self.access), NOT_RUNNER)
        body = DemoItemAddSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        item = demo_item_add(demo=demo, actor=request.user, **body.validated_data)
        return Response(DemoItemSerializer(item).data, status=status.HTTP_201_CREATED)


class FollowUpCreate(DemoScoped):
    @extend_schema(
        summary="Agree a follow-up at a system demo",
        description=RUNNERS,
        request=FollowUpAddSerializer,
        responses={201: FollowUpSerializer, **REFUSALS},
        examples=[
            OpenApiExample(
                "A follow-up", value={"title": "Show the export to Finance", "owner": "pm"}, request_only=True
            )
        ],
    )
    def post(self, request, slug, pk):
        demo = self.get_object()
        allow(self, can_run_system_demo(self.access), NOT_RUNNER)
        body = FollowUpAddSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        follow_up = demo_follow_up_add(demo=demo, actor=request.user, **body.validated_data)
        return Response(FollowUpSerializer(follow_up).data, status=status.HTTP_201_CREATED)


# --- items and follow-ups --------------------------------------------------------------------------


class DemoItemDetail(TrainScoped):
    queryset = DemoItem.objects.select_related("demo__iteration__pi")
    train_path = "demo__iteration__pi__train"
    serializer_class = DemoItemSerializer

    @extend_schema(
        summary="Record how a demo item went",
        description=f"{RUNNERS} Its outcome and the stakeholders' feedback.",
        request=DemoItemRecordSerializer,
        responses={200: DemoItemSerializer, **REFUSALS},
        examples=[
            OpenApiExample("Shown", value={"outcome": "shown", "feedback": "Loved it."}, request_only=True)
        ],
    )
    def patch(self, request, slug, pk):
        item = self.get_object()
        allow(self, can_run_system_demo(self.access), NOT_RUNNER)
        body = DemoItemRecordSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        demo_item_record(item=item, actor=request.user, **body.validated_data)
        return Response(self.get_serializer(item).data)

    @extend_schema(
        summary="Take an item off a system demo",
        description=RUNNERS,
        responses={204: None, **REFUSALS},
    )
    def delete(self, request, slug, pk):
        item = self.get_object()
        allow(self, can_run_system_demo(self.access), NOT_RUNNER)
        demo_item_remove(item=item, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FollowUpDetail(TrainScoped):
    queryset = DemoFollowUp.objects.select_related("demo__iteration__pi", "owner")
    train_path = "demo__iteration__pi__train"
    serializer_class = FollowUpSerializer

    @extend_schema(
        summary="Tick a demo follow-up off, or reopen it",
        description=f"Its owner; {RUNNERS[0].lower()}{RUNNERS[1:]}",
        request=FollowUpStatusSerializer,
        responses={200: FollowUpSerializer, **REFUSALS},
        examples=[OpenApiExample("Done", value={"status": "done"}, request_only=True)],
    )
    def patch(self, request, slug, pk):
        follow_up = self.get_object()
        allow(
            self,
            can_complete_follow_up(self.access, follow_up),
            "Only the follow-up's owner or the demo's organisers tick it off.",
        )
        body = FollowUpStatusSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        done = body.validated_data["status"] == DemoFollowUp.Status.DONE
        demo_follow_up_set_done(follow_up=follow_up, done=done, actor=request.user)
        return Response(self.get_serializer(follow_up).data)
