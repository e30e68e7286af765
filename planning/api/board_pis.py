"""PIs over HTTP, as on the PI page: list and read them with their iterations; the RTE creates one,
moves it through its states (start planning, execute, close; reopen a closed one with a reason),
sets its dates, its iterations' dates and its Business Owners (planning/services/lifecycle.py)."""

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics
from rest_framework.response import Response

from planning.models import Iteration, PIReopening, ProgramIncrement
from planning.services import lifecycle
from trains.api.base import TrainScoped

from .board import LIST_BACKENDS, READ, refusals, validated
from .serializers_board import (
    BusinessOwnersSerializer,
    DateSpanSerializer,
    IterationSerializer,
    PICloseSerializer,
    PICreateSerializer,
    PIReopenSerializer,
    PISerializer,
)

RTE = "The Release Train Engineer."
State = ProgramIncrement.State

PIS = ProgramIncrement.objects.prefetch_related(
    Prefetch("iterations", queryset=Iteration.objects.order_by("number")),
    Prefetch("business_owners", queryset=get_user_model().objects.order_by("username")),
    Prefetch(
        "reopenings",
        queryset=PIReopening.objects.select_related("reopened_by").order_by("-reopened_at", "-pk"),
    ),
)
RTE_WRITE = refusals(403, 404, 409, 422)


class PIFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=State.choices)

    class Meta:
        model = ProgramIncrement
        fields = ["state"]


class PIList(TrainScoped, generics.ListAPIView):
    serializer_class = PISerializer
    queryset = PIS
    filter_backends = LIST_BACKENDS
    filterset_class = PIFilter
    ordering_fields = ["id", "start_date", "name"]
    ordering = ["-start_date"]

    @extend_schema(summary="The train's PIs, with their iterations", description=f"{READ} Newest first.")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Create a PI",
        description=f"{RTE} Its iterations are generated back to back on the train's cadence, the last "
        "one IP; it starts in draft.",
        request=PICreateSerializer,
        responses={201: PISerializer, **refusals(403, 404, 422)},
        examples=[
            OpenApiExample(
                "PI 2027.1", value={"name": "PI 2027.1", "start_date": "2027-01-04"}, request_only=True
            )
        ],
    )
    def post(self, request, slug):
        data = validated(PICreateSerializer, self)
        pi = lifecycle.pi_create(
            train=self.train,
            name=data["name"],
            start_date=data["start_date"],
            iteration_count=data.get("iteration_count"),
            actor=request.user,
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=pi.pk)).data, status=201)


class _PIView(TrainScoped, generics.GenericAPIView):
    serializer_class = PISerializer
    queryset = PIS
    filter_backends = []

    def answer(self, pi: ProgramIncrement) -> Response:
        """The PI as it is now (re-read: the service changed it)."""
        return Response(self.get_serializer(self.get_queryset().get(pk=pi.pk)).data)


class PIDetail(_PIView):
    @extend_schema(summary="One PI, with its iterations and reopenings", description=READ)
    def get(self, request, slug, pk):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Change the PI's dates",
        description=f"{RTE} They must still contain every iteration. Not once closed.",
        request=DateSpanSerializer,
        responses={200: PISerializer, **RTE_WRITE},
        examples=[OpenApiExample("A day longer", value={"end_date": "2026-03-16"}, request_only=True)],
    )
    def patch(self, request, slug, pk):
        pi = self.get_object()
        data = validated(DateSpanSerializer, self)
        lifecycle.pi_update_dates(
            pi=pi,
            start_date=data.get("start_date", pi.start_date),
            end_date=data.get("end_date", pi.end_date),
            actor=request.user,
        )
        return self.answer(pi)


class _PITransition(_PIView):
    to_state: str

    def post(self, request, slug, pk):
        pi = self.get_object()
        lifecycle.pi_transition(pi=pi, to_state=self.to_state, actor=request.user)
        return self.answer(pi)


class PIStartPlanning(_PITransition):
    to_state = State.PLANNING

    @extend_schema(
        summary="Start planning a draft PI",
        description=RTE,
        request=None,
        responses={200: PISerializer, **RTE_WRITE},
    )
    def post(self, request, slug, pk):
        return super().post(request, slug, pk)


class PIExecute(_PITransition):
    to_state = State.EXECUTING

    @extend_schema(
        summary="Start executing a PI in planning",
        description=f"{RTE} The plan must be committed with at least one committed objective, and no other "
        "PI of the train executing.",
        request=None,
        responses={200: PISerializer, **RTE_WRITE},
    )
    def post(self, request, slug, pk):
        return super().post(request, slug, pk)


class PIClose(_PIView):
    @extend_schema(
        summary="Close an executing PI",
        description=f"{RTE} While objectives lack an actual business value it is refused, unless "
        "`confirm_unscored` is true (as the PI page asks). A closed PI is read-only.",
        request=PICloseSerializer,
        responses={200: PISerializer, **RTE_WRITE},
        examples=[OpenApiExample("Close anyway", value={"confirm_unscored": True}, request_only=True)],
    )
    def post(self, request, slug, pk):
        pi = self.get_object()
        data = validated(PICloseSerializer, self)
        lifecycle.pi_transition(
            pi=pi, to_state=State.CLOSED, confirm_unscored=data["confirm_unscored"], actor=request.user
        )
        return self.answer(pi)


class PIReopen(_PIView):
    @extend_schema(
        summary="Reopen a closed PI, with a reason",
        description=f"{RTE} The reason is kept on the PI; refused while another PI of the train executes.",
        request=PIReopenSerializer,
        responses={200: PISerializer, **RTE_WRITE},
        examples=[
            OpenApiExample(
                "A wrong score",
                value={"reason": "Apollo's actual value for objective 3 was entered as 9 instead of 6."},
                request_only=True,
            )
        ],
    )
    def post(self, request, slug, pk):
        pi = self.get_object()
        data = validated(PIReopenSerializer, self)
        lifecycle.pi_reopen(pi=pi, reason=data["reason"], actor=request.user)
        return self.answer(pi)


class PIBusinessOwners(_PIView):
    @extend_schema(
        summary="Name the PI's Business Owners",
        description=f"{RTE} People who hold the Business Owner role on the train; the list replaces the "
        "current one. Not once closed.",
        request=BusinessOwnersSerializer,
        responses={200: PISerializer, **RTE_WRITE},
        examples=[OpenApiExample("Two", value={"business_owners": ["ana", "bo"]}, request_only=True)],
    )
    def put(self, request, slug, pk):
        pi = self.get_object()
        data = validated(BusinessOwnersSerializer, self)
        lifecycle.pi_set_business_owners(pi=pi, users=data["business_owners"], actor=request.user)
        return self.answer(pi)


class IterationDetail(TrainScoped, generics.GenericAPIView):
    serializer_class = IterationSerializer
    queryset = Iteration.objects.select_related("pi")
    train_path = "pi__train"
    filter_backends = []

    def get_queryset(self):
        return super().get_queryset().filter(pi_id=self.kwargs["pi_id"])

    @extend_schema(summary="One iteration of a PI", description=READ)
    def get(self, request, slug, pi_id, pk):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Change an iteration's dates",
        description=f"{RTE} Inside the PI, after the iteration before and before the one after. Not once "
        "the PI is closed.",
        request=DateSpanSerializer,
        responses={200: IterationSerializer, **RTE_WRITE},
        examples=[
            OpenApiExample(
                "Three weeks", value={"start_date": "2026-01-05", "end_date": "2026-01-25"}, request_only=True
            )
        ],
    )
    def patch(self, request, slug, pi_id, pk):
        iteration = self.get_object()
        data = validated(DateSpanSerializer, self)
        lifecycle.iteration_update(
            iteration=iteration,
            start_date=data.get("start_date", iteration.start_date),
            end_date=data.get("end_date", iteration.end_date),
            actor=request.user,
        )
        return Response(self.get_serializer(iteration).data)
