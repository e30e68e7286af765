"""Running PI Planning over HTTP: what every view of it shares, a team's stories and capacity.

Objectives and predictability are in planning_objectives.py; the backlog, confidence votes and the
committed plan in planning_votes.py. Every write calls the service the pages call, with the caller
as `actor`: who may, on which PI state, on which scale, is the service's to say.
"""

from functools import cached_property

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from planning.models import ProgramIncrement, Story
from planning.selectors.capacity import capacity_grid
from planning.services.capacity import capacity_set
from planning.services.stories import story_create, story_delete, story_update
from trains.api.base import IF_MATCH, ErrorSerializer, TrainScoped, if_match
from trains.api.errors import PreconditionRequired
from trains.errors import StaleVersion
from trains.models import Team

from .serializers_planning import (
    CapacityCellSerializer,
    CapacityGridSerializer,
    CapacitySetSerializer,
    StoryCreateSerializer,
    StorySerializer,
    StoryUpdateSerializer,
)

# --- what the views share ----------------------------------------------------------------------------


def refusals(*codes: int) -> dict:
    """The error responses a view documents: one shape for all (trains/api/errors.py)."""
    return dict.fromkeys(codes, ErrorSerializer)


READ = refusals(401, 404)
WRITE = refusals(401, 403, 404, 409, 422)
VERSIONED = refusals(401, 403, 404, 409, 412, 422, 428)
PLANNERS = (
    "The RTE and Product Management for any team; a team's Scrum Master and Product Owner for their own."
)
READERS = "Anyone with a role on the train."


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.Filter):
    """An id in a query string: a whole number (anything else is refused with 422)."""

    field_class = forms.IntegerField


class PlanningView(TrainScoped):
    """A view of one train's PI Planning: the PI in the URL (`pi_id`) is one of the train's."""

    @cached_property
    def pi(self) -> ProgramIncrement:
        return get_object_or_404(ProgramIncrement, pk=self.kwargs["pi_id"], train=self.train)

    def body(self, serializer_class, **kwargs) -> dict:
        """The request's body, typed (422 per field when it does not fit)."""
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context(), **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


# --- stories -----------------------------------------------------------------------------------------


class StoryFilter(django_filters.FilterSet):
    team = IdFilter(field_name="team_id")
    iteration = IdFilter(field_name="iteration_id")
    feature = IdFilter(field_name="feature_id")
    pi = IdFilter(method="in_pi", help_text="Stories in the PI's iterations, or unscheduled on its features.")
    unscheduled = django_filters.BooleanFilter(field_name="iteration", lookup_expr="isnull")

    class Meta:
        model = Story
        fields = ["team", "iteration", "feature", "pi", "unscheduled"]

    def in_pi(self, stories, name, pi_id):
        return stories.filter(Q(iteration__pi_id=pi_id) | Q(iteration__isnull=True, feature__pi_id=pi_id))


class StoryList(PlanningView):
    serializer_class = StorySerializer
    queryset = Story.objects.all()
    train_path = "team__train"
    filterset_class = StoryFilter

    @extend_schema(
        summary="A team's stories",
        description=f"{READERS} Filter by team, PI, iteration, feature, or the unscheduled ones.",
        responses={200: StorySerializer(many=True), **READ},
    )
    def get(self, request, slug):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Add a story to a team's plan",
        description=f"{PLANNERS} Load (the iteration's points) changes with it.",
        request=StoryCreateSerializer,
        responses={201: StorySerializer, **WRITE},
        examples=[
            OpenApiExample(
                "A story in iteration 2",
                value={
                    "team": 3,
                    "title": "Export the invoice as PDF",
                    "points": 5,
                    "feature": 41,
                    "iteration": 12,
                },
                request_only=True,
            )
        ],
    )
    def post(self, request, slug):
        story = story_create(**self.body(StoryCreateSerializer), actor=request.user)
        return Response(self.get_serializer(story).data, status=status.HTTP_201_CREATED)


class StoryDetail(PlanningView):
    serializer_class = StorySerializer
    queryset = Story.objects.all()
    train_path = "team__train"

    @extend_schema(summary="One story", description=READERS, responses={200: StorySerializer, **READ})
    def get(self, request, slug, pk):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Rename, estimate, schedule or link a story",
        description=f"{PLANNERS} `iteration` null unschedules it.",
        parameters=[IF_MATCH],
        request=StoryUpdateSerializer,
        responses={200: StorySerializer, **VERSIONED},
        examples=[OpenApiExample("Re-estimate", value={"points": 8}, request_only=True)],
    )
    def patch(self, request, slug, pk):
        version = if_match(request)
        story = self.get_object()
        fields = self.body(StoryUpdateSerializer)
        story = story_update(story=story, expected_version=version, actor=request.user, **fields)
        return Response(self.get_serializer(story).data)

    @extend_schema(
        summary="Delete a story",
        description=PLANNERS,
        parameters=[IF_MATCH],
        responses={204: None, **VERSIONED},
    )
    def delete(self, request, slug, pk):
        version = if_match(request)
        story_delete(story=self.get_object(), expected_version=version, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- capacity ----------------------------------------------------------------------------------------

TEAM_QUERY = OpenApiParameter("team", int, description="Only this team's row.")
# capacity_set takes version 0 for "nothing entered yet": a first entry has no ETag to send.
IF_MATCH_ONCE_ENTERED = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description='The cell\'s ETag once it has been entered, such as "3" (428 without it, 412 when stale).',
)


class CapacityGrid(PlanningView):
    serializer_class = CapacityGridSerializer

    @extend_schema(
        summary="Capacity and load: the PI's teams × iterations",
        operation_id="v1_trains_pis_capacity_grid_retrieve",
        description=f"{READERS} Each cell: FTE, days off, override, capacity, load (story points "
        "planned) and its traffic light (§4.3: green ≤ 80 %, amber ≤ 100 %, red above); totals per "
        "team, per iteration and overall.",
        parameters=[TEAM_QUERY],
        responses={200: CapacityGridSerializer, **refusals(401, 404, 422)},
    )
    def get(self, request, slug, pi_id):
        teams = Team.objects.filter(train=self.train).order_by("position", "name")
        team_id = request.query_params.get("team")
        if team_id is not None:
            try:
                teams = teams.filter(pk=forms.IntegerField().clean(team_id))
            except ValidationError as error:
                raise serializers.ValidationError({"team": error.messages}) from None
        grid = capacity_grid(self.pi, teams=list(teams))
        data = {
            "teams": [{"team": row.team, **_load(row.total)} for row in grid.rows],
            "iterations": [{"iteration": it, **_load(load)} for it, load in grid.column_totals],
            "overall": _load(grid.overall),
            "cells": [cell for row in grid.rows for cell in row.cells],
        }
        return Response(self.get_serializer(data).data)


def _load(load) -> dict:
    return {"capacity": load.capacity, "load": load.load, "ratio": load.ratio, "status": load.status}


class CapacityCell(PlanningView):
    serializer_class = CapacityCellSerializer

    @cached_property
    def team(self) -> Team:
        return get_object_or_404(Team, pk=self.kwargs["team_id"], train=self.train)

    @cached_property
    def iteration(self):
        return get_object_or_404(self.pi.iterations.select_related("pi"), pk=self.kwargs["iteration_id"])

    def cell(self):
        return capacity_grid(self.pi, teams=[self.team]).cell(self.team.pk, self.iteration.pk)

    def handle_exception(self, exc):
        if isinstance(exc, StaleVersion):
            exc.current = self.cell()  # the whole cell as it is now, load included
        return super().handle_exception(exc)

    @extend_schema(
        summary="One team's capacity in one iteration",
        operation_id="v1_trains_pis_capacity_cell_retrieve",
        description=f"{READERS} `version` 0: nothing entered yet.",
        responses={200: CapacityCellSerializer, **READ},
    )
    def get(self, request, slug, pi_id, team_id, iteration_id):
        return Response(self.get_serializer(self.cell()).data)

    @extend_schema(
        summary="Enter or change one team's capacity in one iteration",
        description=f"{PLANNERS} Capacity is 8 × FTE − person-days off, unless `capacity_override` "
        "is given. If-Match is needed once the cell has been entered (its ETag); a first entry may "
        'leave it out (or send "0"), and is refused with 412 if someone entered it meanwhile.',
        parameters=[IF_MATCH_ONCE_ENTERED],
        request=CapacitySetSerializer,
        responses={200: CapacityCellSerializer, **VERSIONED},
        examples=[
            OpenApiExample(
                "Six people, two days off",
                value={"fte": "6", "days_off": 2, "capacity_override": None},
                request_only=True,
            )
        ],
    )
    def put(self, request, slug, pi_id, team_id, iteration_id):
        if request.headers.get("If-Match"):
            version = if_match(request)
        elif self.cell().entered:
            raise PreconditionRequired("This cell has been entered: send its ETag in If-Match.")
        else:
            version = 0
        values = self.body(CapacitySetSerializer)
        capacity_set(
            team=self.team,
            iteration=self.iteration,
            fte=values["fte"],
            days_off=values["days_off"],
            capacity_override=values["capacity_override"],
            expected_version=version,
            actor=request.user,
        )
        return Response(self.get_serializer(self.cell()).data)
