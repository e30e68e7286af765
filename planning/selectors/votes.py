"""Reads for the confidence vote (domain.md §4.2)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef

from planning.calculations import VoteSummary, vote_summary
from planning.models import ConfidenceVote, Feature, PIObjective, ProgramIncrement, VoteRound
from planning.permissions import can_vote_in
from trains.access import VOTERS, TrainAccess
from trains.models import Membership, Team

ART_KEY = "art"


def latest_round_scores(pi: ProgramIncrement) -> dict[int | None, list[int]]:
    """Each scope's scores in its latest round, keyed by team id (None: the ART). One query.

    The latest round is the result: an earlier one was voted down and the plan reworked.
    """
    rounds: dict[int | None, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for team_id, number, score in ConfidenceVote.objects.filter(round__pi=pi).values_list(
        "round__team_id", "round__number", "score"
    ):
        rounds[team_id][number].append(score)
    return {team_id: by_number[max(by_number)] for team_id, by_number in rounds.items()}


def latest_vote_results(pi: ProgramIncrement) -> dict[int | None, VoteSummary]:
    """Each scope's latest round summarised (§4.2), keyed by team id (None: the ART). One query."""
    return {team_id: vote_summary(scores) for team_id, scores in latest_round_scores(pi).items()}


def scope_key(team_id: int | None) -> str:
    """The name a scope goes by on the page and in the live poll: "art" or "team-<id>"."""
    return ART_KEY if team_id is None else f"team-{team_id}"


def entitled_voters(train_id: int, team_ids: Iterable[int | None]) -> dict[int | None, int]:
    """How many people may vote in a round on each scope asked for (team id; None: the ART). One query.

    Counted with `permissions.can_vote_in`, the rule the service applies to each vote, so "x of N
    have voted" can never disagree with who is let in.
    """
    grants: dict[int, set[tuple[str, int | None]]] = defaultdict(set)
    memberships = Membership.objects.filter(train_id=train_id, role__in=list(VOTERS))
    for user_id, role, team_id in memberships.values_list("user_id", "role", "team_id"):
        grants[user_id].add((role, team_id))
    accesses = [
        TrainAccess(train_id=train_id, user_id=user_id, grants=frozenset(held))
        for user_id, held in grants.items()
    ]
    counts = {}
    for team_id in set(team_ids):
        scope = VoteRound(team_id=team_id)
        counts[team_id] = sum(1 for access in accesses if can_vote_in(access, scope))
    return counts


def teams_yet_to_vote(pi: ProgramIncrement) -> tuple[list[Team], list[Team]]:
    """(teams with planned work in the PI, those of them without a closed team round that has at
    least one vote). One query.

    Planned work: a feature of the PI on the team, or one of its PI objectives for the PI.
    """
    teams = list(
        Team.objects.filter(train_id=pi.train_id)
        .annotate(
            has_work=Exists(Feature.objects.filter(pi=pi, team=OuterRef("pk")))
            | Exists(PIObjective.objects.filter(pi=pi, team=OuterRef("pk"))),
            # A round closed without a single vote is no team vote: it does not count.
            has_voted=Exists(
                ConfidenceVote.objects.filter(
                    round__pi=pi, round__team=OuterRef("pk"), round__closed_at__isnull=False
                )
            ),
        )
        .filter(has_work=True)
        .order_by("position", "name")
    )
    return teams, [team for team in teams if not team.has_voted]


def art_vote_refusal(pi: ProgramIncrement) -> str | None:
    """Why the ART's vote cannot open yet, or None. SAFe's order (domain.md §4.2): each team votes
    on its own plan first, then the whole train on the ART's. So the ART's round opens once every
    team with planned work in the PI has had a team round closed with votes in it (and at least one
    team has planned work)."""
    planning, waiting = teams_yet_to_vote(pi)
    if not planning:
        return (
            f"No team has planned work in {pi.name} yet: the teams vote on their own plans first, "
            "then the ART votes on the whole."
        )
    if waiting:
        names = ", ".join(team.name for team in waiting)
        return (
            f"Team votes come first: {names} {'has' if len(waiting) == 1 else 'have'} no closed vote on "
            "their plan yet (a closed round with at least one vote). Open and close each team's vote, "
            "then the ART's."
        )
    return None


@dataclass
class RoundResult:
    """One round with its §4.2 summary, the viewer's own vote and the concerns raised in it."""

    round: VoteRound
    summary: VoteSummary
    my_vote: ConfidenceVote | None
    # Votes carrying a concern, lowest score first: those are the ones the room must hear.
    concerns: list[ConfidenceVote]
    # Changes whenever a score, a concern or a concern's risk changes: the live poll compares it
    # with what the page shows and sends nothing when they match.
    digest: str
    # How many people may vote in this round: "x of N have voted".
    entitled: int = 0


@dataclass
class VoteScope:
    """The ART or one team, with its rounds oldest first (round 1, round 2 after rework…)."""

    team: Team | None
    rounds: list[RoundResult] = field(default_factory=list)
    # How many may vote on this scope, and why a round cannot open now (the ART before the teams).
    entitled: int = 0
    opening_refused: str | None = None

    @property
    def key(self) -> str:
        return scope_key(self.team.pk if self.team else None)

    @property
    def latest(self) -> RoundResult | None:
        return self.rounds[-1] if self.rounds else None

    @property
    def open_round(self) -> RoundResult | None:
        latest = self.latest
        return latest if latest and latest.round.is_open else None

    @property
    def earlier_rounds(self) -> list[RoundResult]:
        """Every round but the latest, newest first: the history under the current result."""
        return list(reversed(self.rounds[:-1]))

    @property
    def state(self) -> str:
        return rounds_state(result.round for result in self.rounds)


def rounds_state(rounds: Iterable[VoteRound]) -> str:
    """A scope's rounds and which is open, e.g. "12c,31o": changes when a round opens or closes."""
    return ",".join(f"{r.pk}{'o' if r.closed_at is None else 'c'}" for r in rounds)


def _digest(votes: list[ConfidenceVote]) -> str:
    rows = sorted((v.voter_id, v.score, v.concern, _risk_id(v)) for v in votes)
    return hashlib.sha1(repr(rows).encode(), usedforsecurity=False).hexdigest()[:12]


def _risk_id(vote: ConfidenceVote) -> int | None:
    # The reverse one-to-one raises when there is no risk; select_related has cached either answer.
    risk = getattr(vote, "risk", None)
    return risk.pk if risk else None


def _round_result(
    vote_round: VoteRound, votes: list[ConfidenceVote], user_id: int | None, entitled: dict[int | None, int]
) -> RoundResult:
    concerns = sorted((v for v in votes if v.concern), key=lambda v: (v.score, v.cast_at, v.pk))
    return RoundResult(
        round=vote_round,
        summary=vote_summary(v.score for v in votes),
        my_vote=next((v for v in votes if v.voter_id == user_id), None),
        concerns=concerns,
        digest=_digest(votes),
        entitled=entitled.get(vote_round.team_id, 0),
    )


def _votes_by_round(round_ids: Iterable[int]) -> dict[int, list[ConfidenceVote]]:
    by_round: dict[int, list[ConfidenceVote]] = defaultdict(list)
    votes = ConfidenceVote.objects.filter(round_id__in=list(round_ids)).select_related("voter", "risk")
    for vote in votes:
        by_round[vote.round_id].append(vote)
    return by_round


def vote_scopes(pi: ProgramIncrement, *, user_id: int | None) -> list[VoteScope]:
    """The ART, then each team of the train, each with all its rounds in this PI. Five queries.

    ``user_id`` picks out the viewer's own vote in each round. The ART's scope says why its vote
    cannot open yet (``art_vote_refusal``), if it cannot.
    """
    teams = list(Team.objects.filter(train_id=pi.train_id).order_by("position", "name"))
    scopes = {None: VoteScope(team=None)} | {team.pk: VoteScope(team=team) for team in teams}
    rounds = list(VoteRound.objects.filter(pi=pi).order_by("number"))
    votes = _votes_by_round(r.pk for r in rounds)
    entitled = entitled_voters(pi.train_id, scopes)
    for vote_round in rounds:
        scope = scopes.get(vote_round.team_id)
        if scope is None:  # cannot happen: a round's team is on the PI's train
            continue
        vote_round.team = scope.team  # already loaded: no query per round for its label
        scope.rounds.append(_round_result(vote_round, votes[vote_round.pk], user_id, entitled))
    for team_id, scope in scopes.items():
        scope.entitled = entitled.get(team_id, 0)
    scopes[None].opening_refused = art_vote_refusal(pi)
    return list(scopes.values())


@dataclass(frozen=True)
class LiveVotes:
    """What the live poll needs: every scope's rounds state and the open rounds' results."""

    states: dict[str, str]
    open_results: list[RoundResult]


def live_votes(pi: ProgramIncrement, *, user_id: int | None) -> LiveVotes:
    """The cheap read behind the live results: three queries, however many teams and voters.

    Teams are not loaded: the results region names no team, and a scope whose rounds changed is
    redrawn from `vote_scopes` instead.
    """
    rounds = list(VoteRound.objects.filter(pi=pi).order_by("number"))
    by_scope: dict[str, list[VoteRound]] = defaultdict(list)
    for vote_round in rounds:
        by_scope[scope_key(vote_round.team_id)].append(vote_round)
    open_rounds = [r for r in rounds if r.closed_at is None]
    votes = _votes_by_round(r.pk for r in open_rounds) if open_rounds else {}
    entitled = entitled_voters(pi.train_id, [r.team_id for r in open_rounds]) if open_rounds else {}
    return LiveVotes(
        states={key: rounds_state(scope_rounds) for key, scope_rounds in by_scope.items()},
        open_results=[_round_result(r, votes.get(r.pk, []), user_id, entitled) for r in open_rounds],
    )


def round_result(vote_round: VoteRound, *, user_id: int | None) -> RoundResult:
    """One round's result (after a vote is cast or a concern turned into a risk). Two queries."""
    entitled = entitled_voters(vote_round.pi.train_id, [vote_round.team_id])
    return _round_result(vote_round, _votes_by_round([vote_round.pk])[vote_round.pk], user_id, entitled)
