"""Risks from the confidence vote: a voter's concern turned into a risk in one action (domain.md §4.2)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from planning.models import ConfidenceVote
from trains.guards import require

from ..models import Risk
from .roam import risk_create

# A risk's title is one line on a ROAM card; the whole concern is quoted in its description.
CONCERN_TITLE_LENGTH = 120


def _concern_title(concern: str) -> str:
    first_line = next((line.strip() for line in concern.splitlines() if line.strip()), "")
    if len(first_line) <= CONCERN_TITLE_LENGTH:
        return first_line
    cut = first_line[: CONCERN_TITLE_LENGTH - 1]
    # End on a word boundary when there is one in the last third, so the title does not stop mid-word.
    space = cut.rfind(" ")
    return (cut[:space] if space > CONCERN_TITLE_LENGTH * 2 // 3 else cut).rstrip(" ,;:.-") + "…"


@transaction.atomic
def risk_from_vote_concern(*, vote: ConfidenceVote, actor, at=None) -> Risk:
    """Turn a voter's concern from the confidence vote into a risk, with one action (domain.md §4.2).

    The risk lands on the vote's PI at the vote's level (the team for a team round, the ART board
    for the ART round), un-ROAMed, quoting the concern with who voted what. RTE only: the RTE runs
    the vote and the ART's risk board. One concern makes at most one risk (Risk.from_vote is
    one-to-one, so the database also refuses a second, e.g. from a double click in two tabs).
    """
    vote_round = vote.round
    pi = vote_round.pi
    require(
        actor, pi.train_id, lambda access: access.is_rte, "Only the RTE turns a vote concern into a risk."
    )
    # Re-read under a lock: the voter may be editing the concern at this very moment.
    current = ConfidenceVote.objects.select_for_update().get(pk=vote.pk)
    vote.concern, vote.score = current.concern, current.score
    existing = Risk.objects.filter(from_vote=vote).first()
    if existing is not None:
        raise ValidationError(f"This concern is already a risk: “{existing.title}”.")
    concern = vote.concern.strip()
    if not concern:
        raise ValidationError("This vote carries no concern to turn into a risk.")
    voter = vote.voter
    scope = f"{vote_round.team.name}'s plan" if vote_round.team else "the ART's plan"
    quoted = "\n".join(f"> {line}" for line in concern.splitlines())
    description = (
        f"Raised from the confidence vote on {scope} ({pi.name}, round {vote_round.number}).\n"
        f"{voter.get_full_name() or voter.get_username()} voted {vote.score} of 5 and said:\n\n{quoted}"
    )
    try:
        with transaction.atomic():
            risk = risk_create(
                train=pi.train,
                pi=pi,
                team=vote_round.team,
                title=_concern_title(concern),
                description=description,
                actor=actor,
                at=at,
            )
            risk.from_vote = vote
            risk.save(update_fields=["from_vote"])
    except IntegrityError:
        raise ValidationError("This concern was turned into a risk a moment ago.") from None
    return risk
