"""Inspect & Adapt over HTTP: the problem-solving workshop's problems and votes, and improvement items
taken into a later PI and tracked to done. Writes go through risks.services with the caller as actor."""

from __future__ import annotations

import django_filters
from django.db.models import Count, Exists, OuterRef, Prefetch
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from planning.models import ProgramIncrement
from trains.api.base import ErrorSerializer, TrainScoped

from ..models import ImprovementItem, Problem, ProblemVote
from ..permissions import can_edit_problem, can_join_workshop, can_manage_improvements, can_update_improvement
from ..services import (
    VOTES_PER_PERSON,
    improvement_create,
    improvement_set_status,
    improvement_take_into_pi,
    problem_create,
    problem_update,
    problem_vote_toggle,
)
from .common import OfTrain, Person, StableOrdering, allow

REFUSALS = {
    403: OpenApiResponse(ErrorSerializer, description="Your roles do not allow it."),
    404: OpenApiResponse(ErrorSerializer, description="Not on a train you hold a role on."),
    422: OpenApiResponse(ErrorSerializer, description="A field is not valid: see `fields`."),
}
PARTICIPANTS = "Everyone taking part in the PI (every role but Viewer)."
MANAGERS = "The RTE or Product Management."
NOT_MANAGER = "The RTE or Product Management write improvement items and plan them."


# --- serializers -------------------------------------------------------------------------------------


class ProblemSerializer(serializers.ModelSerializer):
    raised_by = Person(read_only=True, allow_null=True)
    root_cause_list = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="`root_causes`, one per line."
    )
    votes = serializers.IntegerField(source="vote_count", read_only=True)
    voted = serializers.BooleanField(read_only=True, help_text="Whether you vote for it.")
    improvement_items = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Problem
        fields = [
            "id",
            "pi",
            "statement",
            "root_causes",
            "root_cause_list",
            "raised_by",
            "votes",
            "voted",
            "improvement_items",
            "created_at",
        ]
        read_only_fields = fields


class ProblemCreateSerializer(serializers.Serializer):
    pi = OfTrain(ProgramIncrement, help_text="The PI whose Inspect & Adapt it is brought to.")
    statement = serializers.CharField(max_length=300, help_text="The problem, in one sentence.")
    root_causes = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="One per line."
    )


class ProblemUpdateSerializer(serializers.Serializer):
    statement = serializers.CharField(max_length=300, required=False)
    root_causes = serializers.CharField(required=False, allow_blank=True, help_text="One per line.")


class ImprovementSerializer(serializers.ModelSerializer):
    owner = Person(read_only=True, allow_null=True)

    class Meta:
        model = ImprovementItem
        fields = [
            "id",
            "title",
            "source_pi",
            "source_problem",
            "problem",
            "root_causes",
            "owner",
            "status",
            "target_pi",
            "feature",
            "votes",
            "created_at",
            "taken_at",
            "done_at",
        ]
        read_only_fields = fields


class ImprovementCreateSerializer(serializers.Serializer):
    pi = OfTrain(ProgramIncrement, help_text="The PI whose Inspect & Adapt raised it.")
    title = serializers.CharField(max_length=200)
    owner = Person()
    problem = OfTrain(
        Problem, "pi__train", required=False, allow_null=True, help_text="The workshop problem it answers."
    )


class ImprovementStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=ImprovementItem.Status.choices,
        help_text="Progress; `planned` is set by taking it into a PI.",
    )


class TakeIntoPISerializer(serializers.Serializer):
    target_pi = OfTrain(ProgramIncrement, help_text="A later PI, not closed.")


# --- problems and votes ----------------------------------------------------------------------------


class ProblemScoped(TrainScoped):
    queryset = Problem.objects.all()
    train_path = "pi__train"
    serializer_class = ProblemSerializer

    def get_queryset(self):
        mine = ProblemVote.objects.filter(problem=OuterRef("pk"), voter_id=self.request.user.pk)
        items = ImprovementItem.objects.order_by("pk").only("pk", "source_problem_id")
        return (
            super()
            .get_queryset()
            .select_related("raised_by")
            .annotate(vote_count=Count("votes", distinct=True), voted=Exists(mine))
            .prefetch_related(Prefetch("improvement_items", queryset=items))
        )

    def answer(self, problem: Problem, status_code: int = 200) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=problem.pk)).data, status=status_code)


class ProblemFilter(django_filters.FilterSet):
    pi = django_filters.NumberFilter(field_name="pi_id")

    class Meta:
        model = Problem
        fields = ["pi"]


class ProblemList(ProblemScoped, generics.ListAPIView):
    filter_backends = [DjangoFilterBackend, StableOrdering]
    filterset_class = ProblemFilter
    ordering_fields = ["vote_count", "created_at"]
    ordering = ["-vote_count"]

    @extend_schema(
        summary="The workshop's problems",
        description="Anyone with a role on the train. Most votes first; filter by PI.",
    )
    def get(self, request, slug):
        return self.list(request)

    @extend_schema(
        summary="Bring a problem to the workshop",
        description=PARTICIPANTS,
        request=ProblemCreateSerializer,
        responses={201: ProblemSerializer, **REFUSALS},
        examples=[
            OpenApiExample(
                "A problem",
                value={
                    "pi": 7,
                    "statement": "Integration environments are booked out",
                    "root_causes": "One shared staging",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request, slug):
        allow(self, can_join_workshop(self.access), "Viewers follow the workshop; they do not add problems.")
        body = ProblemCreateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        problem = problem_create(actor=request.user, **body.validated_data)
        return self.answer(problem, status.HTTP_201_CREATED)


class ProblemDetail(ProblemScoped):
    @extend_schema(summary="One workshop problem", description="Anyone with a role on the train.")
    def get(self, request, slug, pk):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Refine a problem and its root causes",
        description="Who raised it, the RTE or Product Management. Only the fields sent change.",
        request=ProblemUpdateSerializer,
        responses={200: ProblemSerializer, **REFUSALS},
        examples=[
            OpenApiExample(
                "Root causes", value={"root_causes": "One staging\nNo booking rules"}, request_only=True
            )
        ],
    )
    def patch(self, request, slug, pk):
        problem = self.get_object()
        allow(
            self,
            can_edit_problem(self.access, problem),
            "Only who raised the problem, the RTE or Product Management edit it.",
        )
        body = ProblemUpdateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        changes = {"statement": problem.statement, "root_causes": problem.root_causes, **body.validated_data}
        problem_update(problem=problem, actor=request.user, **changes)
        return self.answer(problem)


class ProblemVoteView(ProblemScoped):
    """Casting twice, or taking back a vote never cast, changes nothing (the service toggles)."""

    def _set_vote(self, request, wanted: bool) -> Response:
        problem = self.get_object()
        allow(self, can_join_workshop(self.access), "Viewers follow the workshop; they do not vote.")
        if problem.voted != wanted:
            problem_vote_toggle(problem=problem, actor=request.user)
        return self.answer(problem)

    @extend_schema(
        summary="Vote for a problem",
        description=f"{PARTICIPANTS} Each person has {VOTES_PER_PERSON} votes per PI, one per problem.",
        request=None,
        responses={200: ProblemSerializer, **REFUSALS},
    )
    def post(self, request, slug, pk):
        return self._set_vote(request, True)

    @extend_schema(
        summary="Take your vote back",
        description=PARTICIPANTS,
        responses={200: ProblemSerializer, **REFUSALS},
    )
    def delete(self, request, slug, pk):
        return self._set_vote(request, False)


# --- improvement items -----------------------------------------------------------------------------


class ImprovementFilter(django_filters.FilterSet):
    source_pi = django_filters.NumberFilter(field_name="source_pi_id")
    target_pi = django_filters.NumberFilter(field_name="target_pi_id")
    status = django_filters.MultipleChoiceFilter(choices=ImprovementItem.Status.choices)
    owner = django_filters.CharFilter(field_name="owner__username", help_text="A username.")

    class Meta:
        model = ImprovementItem
        fields = ["source_pi", "target_pi", "status", "owner"]


class ImprovementScoped(TrainScoped):
    queryset = ImprovementItem.objects.select_related("owner")
    serializer_class = ImprovementSerializer


class ImprovementList(ImprovementScoped, generics.ListAPIView):
    filter_backends = [DjangoFilterBackend, StableOrdering]
    filterset_class = ImprovementFilter
    ordering_fields = ["created_at"]
    ordering = ["created_at"]

    @extend_schema(
        summary="Improvement items",
        description="Anyone with a role on the train. Filter by the PI that raised them, the PI they were taken into, status, owner.",
    )
    def get(self, request, slug):
        return self.list(request)

    @extend_schema(
        summary="Write an improvement item",
        description=f"{MANAGERS} From a PI's workshop, with an owner, answering one of its problems.",
        request=ImprovementCreateSerializer,
        responses={201: ImprovementSerializer, **REFUSALS},
        examples=[
            OpenApiExample(
                "An improvement",
                value={"pi": 7, "title": "A second staging environment", "owner": "architect", "problem": 3},
                request_only=True,
            )
        ],
    )
    def post(self, request, slug):
        allow(self, can_manage_improvements(self.access), NOT_MANAGER)
        body = ImprovementCreateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        item = improvement_create(actor=request.user, **body.validated_data)
        return Response(self.get_serializer(item).data, status=status.HTTP_201_CREATED)


class ImprovementDetail(ImprovementScoped):
    @extend_schema(summary="One improvement item", description="Anyone with a role on the train.")
    def get(self, request, slug, pk):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Report an improvement item's progress",
        description=f"Its owner; {MANAGERS[0].lower()}{MANAGERS[1:]}",
        request=ImprovementStatusSerializer,
        responses={200: ImprovementSerializer, **REFUSALS},
        examples=[OpenApiExample("Started", value={"status": "in_progress"}, request_only=True)],
    )
    def patch(self, request, slug, pk):
        item = self.get_object()
        allow(
            self,
            can_update_improvement(self.access, item),
            "Only the item's owner, the RTE or Product Management update it.",
        )
        body = ImprovementStatusSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        improvement_set_status(item=item, actor=request.user, **body.validated_data)
        return Response(self.get_serializer(item).data)


class ImprovementTake(ImprovementScoped):
    @extend_schema(
        summary="Take an improvement item into a later PI",
        description=f"{MANAGERS} It becomes an enabler in that PI's backlog and is tracked to done there.",
        request=TakeIntoPISerializer,
        responses={200: ImprovementSerializer, **REFUSALS},
        examples=[OpenApiExample("Into the next PI", value={"target_pi": 8}, request_only=True)],
    )
    def post(self, request, slug, pk):
        item = self.get_object()
        allow(self, can_manage_improvements(self.access), NOT_MANAGER)
        body = TakeIntoPISerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        item = improvement_take_into_pi(item=item, actor=request.user, **body.validated_data)
        return Response(self.get_serializer(item).data)
