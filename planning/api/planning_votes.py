"""The end of PI Planning over HTTP: the backlog by WSJF and pulling into the PI, the confidence vote,
committing the plan, its baseline and plan vs now."""

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from planning.models import ConfidenceVote, Feature, VoteRound
from planning.permissions import can_vote_in
from planning.selectors.backlog import backlog
from planning.selectors.baseline import latest_baseline, plan_vs_now
from planning.services import votes as vote_services
from planning.services.backlog import feature_pull, feature_set_wsjf
from planning.services.baseline import plan_commit
from trains.api.base import IF_MATCH, if_match

from .planning import READ, READERS, VERSIONED, WRITE, IdFilter, PlanningView, refusals
from .serializers_planning import (
    BacklogSerializer,
    BaselineSerializer,
    FeatureWsjfSerializer,
    PlanVsNowSerializer,
    PullSerializer,
    VoteCastSerializer,
    VoteConcernSerializer,
    VoteRoundOpenSerializer,
    VoteRoundSerializer,
    WsjfSetSerializer,
)

RTE = "The Release Train Engineer only."

# --- the backlog: WSJF and pulling into the PI ------------------------------------------------------


class Backlog(PlanningView):
    serializer_class = BacklogSerializer

    @extend_schema(
        summary="The backlog ranked by WSJF",
        description=f"{READERS} The PI's features and the train's features in no PI yet (not done), "
        "each ranked on its own by WSJF = (business value + time criticality + risk reduction) / job "
        "size (§4.4); a feature with an input missing has no rank.",
        responses={200: BacklogSerializer, **READ},
    )
    def get(self, request, slug, pi_id):
        ranked = backlog(self.pi)
        return Response(self.get_serializer({"in_pi": ranked.in_pi, "not_in_pi": ranked.not_in_pi}).data)


class FeatureBacklogView(PlanningView):
    serializer_class = FeatureWsjfSerializer
    queryset = Feature.objects.select_related("team", "pi")


class FeatureWsjf(FeatureBacklogView):
    @extend_schema(
        summary="Set a feature's WSJF inputs",
        description="The RTE and Product Management (they rank the backlog). Any of the four inputs, "
        "on the modified Fibonacci scale; null clears one.",
        parameters=[IF_MATCH],
        request=WsjfSetSerializer,
        responses={200: FeatureWsjfSerializer, **VERSIONED},
        examples=[
            OpenApiExample("Estimate it", value={"business_value": 8, "job_size": 5}, request_only=True)
        ],
    )
    def patch(self, request, slug, pk):
        version = if_match(request)
        feature = self.get_object()
        inputs = self.body(WsjfSetSerializer)
        feature = feature_set_wsjf(feature=feature, expected_version=version, actor=request.user, **inputs)
        return Response(self.get_serializer(feature).data)


class FeaturePull(FeatureBacklogView):
    @extend_schema(
        summary="Pull a feature into a PI onto a team, or take it out of its PI",
        description="The RTE and Product Management, any feature onto any team; a team's Product "
        "Owner or Scrum Master, unassigned features or their own team's, onto their own team. It "
        "waits in the board's unplanned lane (no iteration) until the team places it.",
        parameters=[IF_MATCH],
        request=PullSerializer,
        responses={200: FeatureWsjfSerializer, **VERSIONED},
        examples=[
            OpenApiExample("Into PI 7 on Apollo", value={"pi": 7, "team": 3}, request_only=True),
            OpenApiExample("Out of its PI", value={"pi": None, "team": None}, request_only=True),
        ],
    )
    def post(self, request, slug, pk):
        version = if_match(request)
        feature = self.get_object()
        where = self.body(PullSerializer)
        feature = feature_pull(feature=feature, expected_version=version, actor=request.user, **where)
        return Response(self.get_serializer(feature).data)


# --- the confidence vote ------------------------------------------------------------------------------


def _rounds():
    votes = ConfidenceVote.objects.select_related("voter", "risk").order_by("voter_id")
    return VoteRound.objects.select_related("pi", "opened_by", "closed_by").prefetch_related(
        Prefetch("votes", queryset=votes)
    )


class VoteRoundFilter(django_filters.FilterSet):
    team = IdFilter(field_name="team_id")
    art = django_filters.BooleanFilter(field_name="team", lookup_expr="isnull", label="The ART's rounds")
    is_open = django_filters.BooleanFilter(field_name="closed_at", lookup_expr="isnull")

    class Meta:
        model = VoteRound
        fields = ["team", "art", "is_open"]


class VoteRoundView(PlanningView):
    serializer_class = VoteRoundSerializer
    queryset = _rounds()
    train_path = "pi__train"

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "user_id": self.request.user.pk}

    def done(self, vote_round, status_code=status.HTTP_200_OK) -> Response:
        """The round as it is now, with its result (read again: a vote just changed it)."""
        fresh = self.get_queryset().get(pk=vote_round.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)


class VoteRoundList(VoteRoundView):
    filterset_class = VoteRoundFilter

    def get_queryset(self):
        rows = super().get_queryset()
        return rows if getattr(self, "swagger_fake_view", False) else rows.filter(pi=self.pi)

    @extend_schema(
        summary="The PI's confidence vote rounds, with their results",
        description=f"{READERS} Each round on a team's plan (or the ART's, `team` null): votes per "
        "score, mean, voters, accepted (mean ≥ 3), your own vote, and the concerns raised. A scope's "
        "latest round is its result.",
        responses={200: VoteRoundSerializer(many=True), **READ},
    )
    def get(self, request, slug, pi_id):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Open a confidence vote",
        description=f"{RTE} On a team's plan or the ART's (`team` null), while the PI is in planning; "
        "one open round per plan.",
        request=VoteRoundOpenSerializer,
        responses={201: VoteRoundSerializer, **WRITE},
        examples=[
            OpenApiExample("On the ART's plan", value={"team": None}, request_only=True),
            OpenApiExample("On a team's plan", value={"team": 3}, request_only=True),
        ],
    )
    def post(self, request, slug, pi_id):
        team = self.body(VoteRoundOpenSerializer)["team"]
        vote_round = vote_services.vote_round_open(pi=self.pi, team=team, actor=request.user)
        return self.done(vote_round, status.HTTP_201_CREATED)


class VoteRoundDetail(VoteRoundView):
    @extend_schema(
        summary="One vote round", description=READERS, responses={200: VoteRoundSerializer, **READ}
    )
    def get(self, request, slug, pk):
        return Response(self.get_serializer(self.get_object()).data)


class VoteRoundClose(VoteRoundView):
    @extend_schema(
        summary="Close a vote round",
        description=f"{RTE} Its result is kept; nobody can vote in it any more.",
        request=None,
        responses={200: VoteRoundSerializer, **WRITE},
    )
    def post(self, request, slug, pk):
        vote_round = vote_services.vote_round_close(vote_round=self.get_object(), actor=request.user)
        return self.done(vote_round)


VOTERS = (
    "Everyone on the train but Viewers on the ART's plan; on a team's plan, that team's members "
    "with the RTE, Product Management, Business Owners and the System Architect."
)


class MyVote(VoteRoundView):
    @extend_schema(
        summary="Cast or change your vote (fist of five)",
        description=f"{VOTERS} While the round is open. A score of 1 or 2 should come with what "
        "worries you; an empty concern keeps the one you gave before.",
        request=VoteCastSerializer,
        responses={200: VoteRoundSerializer, **WRITE},
        examples=[
            OpenApiExample("Confident", value={"score": 4}, request_only=True),
            OpenApiExample(
                "Worried",
                value={"score": 2, "concern": "The payment provider's sandbox is not ready before I3."},
                request_only=True,
            ),
        ],
    )
    def put(self, request, slug, pk):
        vote_round = self.get_object()
        vote = self.body(VoteCastSerializer)
        vote_services.vote_cast(vote_round=vote_round, voter=request.user, **vote)
        return self.done(vote_round)

    @extend_schema(
        summary="Say (or change, or clear) what worries you",
        description=f"{VOTERS} Your own vote, once cast, while the round is open.",
        request=VoteConcernSerializer,
        responses={200: VoteRoundSerializer, **WRITE},
        examples=[
            OpenApiExample("A concern", value={"concern": "Two people on leave in I2."}, request_only=True)
        ],
    )
    def patch(self, request, slug, pk):
        vote_round = self.get_object()
        self.access.require(
            can_vote_in(self.access, vote_round),
            "Only those who vote in this round say what worries them about its plan.",
        )
        concern = self.body(VoteConcernSerializer)["concern"]
        vote = ConfidenceVote.objects.filter(round=vote_round, voter_id=request.user.pk).first()
        if vote is None:
            raise ValidationError("Vote first, then say what worries you.")
        vote.round = vote_round
        vote_services.vote_set_concern(vote=vote, concern=concern, actor=request.user)
        return self.done(vote_round)


# --- committing the plan, its baseline, plan vs now ---------------------------------------------------


class PlanCommit(PlanningView):
    serializer_class = BaselineSerializer

    @extend_schema(
        summary="Commit the plan",
        description=f"{RTE} While the PI is in planning: stores a baseline of the plan as it stands "
        "(committing again after a re-plan adds a newer one, which plan vs now compares with).",
        request=None,
        responses={201: BaselineSerializer, **WRITE},
    )
    def post(self, request, slug, pi_id):
        baseline = plan_commit(pi=self.pi, actor=request.user)
        return Response(self.get_serializer(baseline).data, status=status.HTTP_201_CREATED)


class Baseline(PlanningView):
    serializer_class = BaselineSerializer

    @extend_schema(
        summary="The committed plan (the latest baseline)",
        description=f"{READERS} 404 while the plan has not been committed.",
        responses={200: BaselineSerializer, **READ},
    )
    def get(self, request, slug, pi_id):
        baseline = latest_baseline(self.pi)
        if baseline is None:
            raise NotFound(f"The plan of {self.pi.name} has not been committed yet.")
        return Response(self.get_serializer(baseline).data)


class PlanVsNow(PlanningView):
    serializer_class = PlanVsNowSerializer

    @extend_schema(
        summary="Plan vs now: what changed since the plan was committed",
        description=f"{READERS} Features moved, added or dropped; objectives and dependencies added, "
        "dropped or changed, against the latest baseline (`baseline` null: never committed).",
        responses={200: PlanVsNowSerializer, **refusals(401, 404)},
    )
    def get(self, request, slug, pi_id):
        return Response(self.get_serializer(plan_vs_now(self.pi)).data)
