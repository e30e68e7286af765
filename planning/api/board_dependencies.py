"""Dependencies, each with its computed health, and milestones over HTTP: list, read, add and change
them as the board's dialogs do (planning/services/board.py). The board has no delete, so neither has this."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics
from rest_framework.response import Response

from planning import services
from planning.health import Health, with_health
from planning.models import Dependency, Milestone
from trains.api.base import IF_MATCH, TrainScoped, if_match

from .board import LIST_BACKENDS, READ, VERSIONED_WRITE, IdFilter, refusals, validated
from .serializers_board import (
    DependencyCreateSerializer,
    DependencySerializer,
    DependencyWriteSerializer,
    MilestoneCreateSerializer,
    MilestoneSerializer,
    MilestoneWriteSerializer,
)

# --- dependencies ------------------------------------------------------------------------------


class DependencyFilter(filters.FilterSet):
    pi = IdFilter(help_text="Dependencies of this PI.")
    health = filters.ChoiceFilter(choices=Health.choices, help_text="conflict is red, at_risk amber.")
    state = filters.ChoiceFilter(choices=Dependency.State.choices)
    kind = filters.ChoiceFilter(choices=Dependency.Kind.choices)
    team = IdFilter(method="either_team", help_text="Dependencies this team requests or provides.")
    requesting_team = IdFilter()
    providing_team = IdFilter()

    class Meta:
        model = Dependency
        fields = ["pi", "health", "state", "kind", "team", "requesting_team", "providing_team"]

    def either_team(self, queryset, name, value):
        return queryset.filter(requesting_team=value) | queryset.filter(providing_team=value)


DEPENDENCIES = with_health(Dependency.objects.select_related("owner"))
PLANNERS_OF_EITHER_TEAM = (
    "The RTE and Product Managers, or the Scrum Master or Product Owner of the requesting or the "
    "providing team. Not in a closed PI."
)


class DependencyList(TrainScoped, generics.ListAPIView):
    serializer_class = DependencySerializer
    queryset = DEPENDENCIES
    train_path = "pi__train"
    filter_backends = LIST_BACKENDS
    filterset_class = DependencyFilter
    ordering_fields = ["id", "state", "created_at", "updated_at"]
    ordering = ["id"]

    @extend_schema(summary="The train's dependencies, each with its health", description=READ)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Add a dependency",
        description=PLANNERS_OF_EITHER_TEAM,
        request=DependencyCreateSerializer,
        responses={201: DependencySerializer, **refusals(403, 404, 409, 422)},
        examples=[
            OpenApiExample(
                "Apollo needs an API from Gemini by I3",
                value={
                    "pi": 7,
                    "requesting_team": 3,
                    "providing_team": 4,
                    "providing_feature": 120,
                    "needed_by_iteration": 23,
                    "description": "Payments API",
                    "kind": "feature",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request, slug):
        data = dict(validated(DependencyCreateSerializer, self))
        dependency = services.dependency_create(pi=data.pop("pi"), actor=request.user, **data)
        return Response(self.get_serializer(self.get_queryset().get(pk=dependency.pk)).data, status=201)


class DependencyDetail(TrainScoped, generics.GenericAPIView):
    serializer_class = DependencySerializer
    queryset = DEPENDENCIES
    train_path = "pi__train"

    @extend_schema(summary="One dependency, with its health", description=READ)
    def get(self, request, slug, pk):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Change a dependency",
        description=PLANNERS_OF_EITHER_TEAM,
        parameters=[IF_MATCH],
        request=DependencyWriteSerializer,
        responses={200: DependencySerializer, **VERSIONED_WRITE},
        examples=[OpenApiExample("Committed", value={"state": "committed"}, request_only=True)],
    )
    def patch(self, request, slug, pk):
        dependency = self.get_object()
        expected = if_match(request)
        data = validated(DependencyWriteSerializer, self, partial=True)
        services.dependency_update(
            dependency=dependency, expected_version=expected, actor=request.user, **data
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=dependency.pk)).data)


# --- milestones --------------------------------------------------------------------------------


class MilestoneFilter(filters.FilterSet):
    pi = IdFilter(help_text="Milestones of this PI.")
    kind = filters.ChoiceFilter(choices=Milestone.Kind.choices)

    class Meta:
        model = Milestone
        fields = ["pi", "kind"]


PLACES_MILESTONES = "The RTE and Product Managers. Not in a closed PI; the date lies inside the PI."


class MilestoneList(TrainScoped, generics.ListAPIView):
    serializer_class = MilestoneSerializer
    queryset = Milestone.objects.all()
    train_path = "pi__train"
    filter_backends = LIST_BACKENDS
    filterset_class = MilestoneFilter
    ordering_fields = ["id", "date", "name"]
    ordering = ["date"]

    @extend_schema(summary="The train's milestones", description=READ)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Place a milestone",
        description=PLACES_MILESTONES,
        request=MilestoneCreateSerializer,
        responses={201: MilestoneSerializer, **refusals(403, 404, 409, 422)},
        examples=[
            OpenApiExample(
                "A release", value={"pi": 7, "name": "Release 4.2", "date": "2026-02-12"}, request_only=True
            )
        ],
    )
    def post(self, request, slug):
        data = dict(validated(MilestoneCreateSerializer, self))
        milestone = services.milestone_create(pi=data.pop("pi"), actor=request.user, **data)
        return Response(self.get_serializer(milestone).data, status=201)


class MilestoneDetail(TrainScoped, generics.GenericAPIView):
    serializer_class = MilestoneSerializer
    queryset = Milestone.objects.all()
    train_path = "pi__train"

    @extend_schema(summary="One milestone", description=READ)
    def get(self, request, slug, pk):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Change a milestone",
        description=PLACES_MILESTONES,
        parameters=[IF_MATCH],
        request=MilestoneWriteSerializer,
        responses={200: MilestoneSerializer, **VERSIONED_WRITE},
        examples=[OpenApiExample("Moved a week", value={"date": "2026-02-19"}, request_only=True)],
    )
    def patch(self, request, slug, pk):
        milestone = self.get_object()
        expected = if_match(request)
        data = validated(MilestoneWriteSerializer, self, partial=True)
        milestone = services.milestone_update(
            milestone=milestone, expected_version=expected, actor=request.user, **data
        )
        return Response(self.get_serializer(milestone).data)
