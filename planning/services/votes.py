"""Writes for the confidence vote, fist of five (domain.md §4.2).

The RTE opens a round on a team's plan or on the ART's plan (team None) and closes it. While it is
open, each participant casts 1–5 and may change it. Voters at 1 or 2 are asked what worries them;
the RTE can turn that concern into a risk (risks.services.risk_from_vote_concern: risks builds on
planning, so the risk side lives there).

Who votes (`can_vote_in`):
- ART round: everyone on the train except Viewers (`TrainAccess.can_vote`).
- Team round: that team's own members (Scrum Master, Product Owner, team members) plus the
  train-level roles (RTE, Product Manager, Business Owner, System Architect), who walk every
  breakout during PI Planning and stand behind each team's plan as much as the team does. Members of
  *other* teams vote on their own team's plan and on the ART's, not on this one: they did not build
  it and would dilute the team's own signal.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from planning import hooks
from planning.calculations import VOTE_SCORES
from planning.models import ConfidenceVote, ProgramIncrement, VoteRound
from planning.permissions import can_manage_pi, can_vote_in
from planning.selectors.votes import art_vote_refusal
from trains.access import train_access
from trains.errors import NotAllowed
from trains.guards import require
from trains.history.models import Action, Kind
from trains.history.services import person, record, snapshot
from trains.models import Team, WebhookEvent
from trains.webhooks.services import emit

from .common import require_open

CONCERN_MAX_LENGTH = 2000
SCORE_MESSAGE = "Choose a score from 1 (no confidence) to 5 (very confident)."
# Fist of five, as the room says it (domain.md §2): 5 = very confident, 1 = no confidence.
SCORE_LABELS = {
    1: "No confidence",
    2: "Little confidence",
    3: "Confident enough",
    4: "Confident",
    5: "Very confident",
}


def scope_name(team: Team | None) -> str:
    return f"{team.name}'s plan" if team else "the ART's plan"


def _train_id(vote_round: VoteRound) -> int:
    return vote_round.pi.train_id


def _round_label(vote_round: VoteRound) -> str:
    return f"{vote_round.pi.name}: {scope_name(vote_round.team)}, round {vote_round.number}"


def _record_round(vote_round: VoteRound, actor, **change) -> None:
    record(
        train_id=_train_id(vote_round),
        kind=Kind.VOTE_ROUND,
        target=vote_round,
        label=_round_label(vote_round),
        actor=actor,
        **change,
    )


def _record_vote(vote: ConfidenceVote, vote_round: VoteRound, actor, **change) -> None:
    record(
        train_id=_train_id(vote_round),
        kind=Kind.VOTE,
        target=vote,
        label=f"{person(vote.voter)} on {_round_label(vote_round)}",
        actor=actor,
        **change,
    )


def _locked_round(vote_round: VoteRound) -> VoteRound:
    """Re-read the round under a lock so a vote and the closing of the round cannot cross; refused
    when its PI is closed (a round left open when the PI closed keeps the result it had)."""
    current = VoteRound.objects.select_for_update(of=("self",)).select_related("pi").get(pk=vote_round.pk)
    require_open(current.pi)
    vote_round.closed_at, vote_round.closed_by_id = current.closed_at, current.closed_by_id
    return vote_round


def _clean_concern(concern: str | None) -> str:
    concern = (concern or "").strip()
    if len(concern) > CONCERN_MAX_LENGTH:
        raise ValidationError(
            {"concern": f"Keep it under {CONCERN_MAX_LENGTH} characters ({len(concern)} now)."}
        )
    return concern


@transaction.atomic
def vote_round_open(*, pi: ProgramIncrement, team: Team | None, actor, at=None) -> VoteRound:
    """Open a round on a team's plan (or the ART's, team None). RTE only; one open round per scope.

    The ART's round opens only once the teams have voted (``art_vote_refusal``: every team with
    planned work in the PI has a closed team round).

    The round is numbered after the scope's previous one, so a re-vote after rework keeps the
    earlier result as round 1 instead of overwriting it.
    """
    require(actor, pi.train_id, can_manage_pi, "Only the Release Train Engineer opens a confidence vote.")
    require_open(pi)
    if team is not None and team.train_id != pi.train_id:
        raise ValidationError({"team": "That team belongs to another train."})
    # SAFe: the vote closes PI Planning (day 2, before the commit); it is not taken before or after.
    if pi.state == ProgramIncrement.State.DRAFT:
        raise ValidationError(f"{pi.name} is still a draft: move it to planning before voting on its plan.")
    if pi.state != ProgramIncrement.State.PLANNING:
        raise ValidationError(
            f"{pi.name} is {pi.get_state_display().lower()}: the confidence vote is taken during PI Planning,"
            " and its results are kept as they were."
        )
    already_open = f"A vote on {scope_name(team)} is already open: close it before opening another."
    rounds = VoteRound.objects.filter(pi=pi, team=team)
    if rounds.filter(closed_at__isnull=True).exists():
        raise ValidationError(already_open)
    # SAFe: teams vote on their own plans first, then the train on the ART's (selectors say when).
    if team is None and (refused := art_vote_refusal(pi)):
        raise ValidationError(refused)
    number = (rounds.aggregate(last=Max("number"))["last"] or 0) + 1
    try:
        # A savepoint: two RTE tabs opening at once both pass the check above; the database's
        # one-open-round constraint (or the round number's) refuses the second.
        with transaction.atomic():
            vote_round = VoteRound.objects.create(
                pi=pi, team=team, number=number, opened_at=at or timezone.now(), opened_by=actor
            )
    except IntegrityError:
        raise ValidationError(already_open) from None
    _record_round(
        vote_round,
        actor,
        action=Action.CREATED,
        after={"scope": scope_name(team), "number": number, "state": "Open"},
        at=vote_round.opened_at,
    )
    return vote_round


@transaction.atomic
def vote_round_close(*, vote_round: VoteRound, actor, at=None) -> VoteRound:
    """Close an open round: its result is kept for the PI and nobody can vote in it any more."""
    require(
        actor,
        _train_id(vote_round),
        can_manage_pi,
        "Only the Release Train Engineer closes a confidence vote.",
    )
    _locked_round(vote_round)
    if not vote_round.is_open:
        raise ValidationError(
            f"Round {vote_round.number} on {scope_name(vote_round.team)} is already closed."
        )
    vote_round.closed_at = at or timezone.now()
    vote_round.closed_by = actor
    vote_round.save(update_fields=["closed_at", "closed_by"])
    _record_round(
        vote_round, actor, before={"state": "Open"}, after={"state": "Closed"}, at=vote_round.closed_at
    )
    emit(
        train=vote_round.pi.train,
        event=WebhookEvent.VOTE_ROUND_CLOSED,
        actor=actor,
        data={
            "vote_round": {
                "id": vote_round.pk,
                "pi": vote_round.pi_id,
                "team": vote_round.team_id,
                "number": vote_round.number,
            }
        },
    )
    return vote_round


def _require_voter(voter, vote_round: VoteRound) -> None:
    access = train_access(voter, _train_id(vote_round))
    if not access.can_vote:
        raise NotAllowed("Viewers see the results; voting needs a role in the PI.")
    if not can_vote_in(access, vote_round):
        raise NotAllowed(
            f"{vote_round.team} votes on its own plan, with the RTE, Product Management, Business "
            "Owners and the System Architect. Vote on your own team's plan and on the ART's."
        )


def _require_open(vote_round: VoteRound) -> None:
    if not vote_round.is_open:
        raise ValidationError(
            f"Round {vote_round.number} on {scope_name(vote_round.team)} is closed; its result is kept."
        )


@transaction.atomic
def vote_cast(*, vote_round: VoteRound, voter, score, concern: str = "") -> ConfidenceVote:
    """Cast or change the voter's score (1–5) while the round is open: one vote per person per round.

    A concern given with the score is stored with it. An empty one leaves the stored concern as it
    was, and raising the score to 3 or more does not clear it either: what someone wrote is never
    dropped behind their back (it may already be a risk). They clear it themselves with
    `vote_set_concern(concern="")`. The concern is *asked* of voters at 1–2 (the screen does that).
    """
    if isinstance(score, bool) or score not in VOTE_SCORES:
        raise ValidationError({"score": SCORE_MESSAGE})
    concern = _clean_concern(concern)
    _require_voter(voter, vote_round)
    _locked_round(vote_round)
    _require_open(vote_round)
    defaults = {"score": score, **({"concern": concern} if concern else {})}
    earlier = ConfidenceVote.objects.filter(round=vote_round, voter=voter).first()
    before = snapshot(earlier, "score", "concern") if earlier else None
    vote, created = ConfidenceVote.objects.update_or_create(round=vote_round, voter=voter, defaults=defaults)
    vote.voter = voter
    _record_vote(
        vote,
        vote_round,
        voter,
        action=Action.CREATED if created else Action.CHANGED,
        before=before,
        after=snapshot(vote, "score", "concern"),
    )
    # Vote results are among the PI's figures (metrics snapshots them); the board does not show
    # them, so its version is not bumped and open boards are not redrawn for every vote.
    hooks.pi_changed(vote_round.pi_id)
    return vote


@transaction.atomic
def vote_set_concern(*, vote: ConfidenceVote, concern: str, actor) -> ConfidenceVote:
    """Say (or change, or clear with "") what worries you about the plan. Your own vote, while open."""
    concern = _clean_concern(concern)
    if actor is not None and actor.pk != vote.voter_id:
        raise NotAllowed("Only the voter writes their concern.")
    vote_round = vote.round
    _locked_round(vote_round)
    _require_open(vote_round)
    before = snapshot(vote, "concern")
    vote.concern = concern
    vote.save(update_fields=["concern", "cast_at"])
    _record_vote(vote, vote_round, actor or vote.voter, before=before, after=snapshot(vote, "concern"))
    return vote


__all__ = [
    "CONCERN_MAX_LENGTH",
    "SCORE_LABELS",
    "SCORE_MESSAGE",
    "scope_name",
    "vote_cast",
    "vote_round_close",
    "vote_round_open",
    "vote_set_concern",
]
