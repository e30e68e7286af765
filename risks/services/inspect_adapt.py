"""The Inspect & Adapt workshop: problems and the votes on them, and improvement items taken into a
later PI."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from planning.models import Feature, ProgramIncrement
from planning.services import feature_create, feature_set_state
from trains.guards import require
from trains.history.models import Action, Kind
from trains.history.services import record, snapshot

from ..models import ImprovementItem, Problem, ProblemVote
from ..permissions import can_edit_problem, can_join_workshop, can_manage_improvements, can_update_improvement
from .common import _check_member, _raise

# SAFe I&A: each participant gets a few votes ("dots") to spend on the biggest problems.
VOTES_PER_PERSON = 3
# What an improvement item's history follows.
IMPROVEMENT_FIELDS = ("title", "owner", "status", "source_pi", "target_pi", "feature")


def _record(item: ImprovementItem, actor, **change) -> None:
    record(
        train_id=item.train_id,
        kind=Kind.IMPROVEMENT_ITEM,
        target=item,
        label=item.title,
        actor=actor,
        **change,
    )


@transaction.atomic
def problem_create(*, pi: ProgramIncrement, statement: str, actor, root_causes: str = "", at=None) -> Problem:
    """Bring a problem to the problem-solving workshop."""
    require(actor, pi.train_id, can_join_workshop, "Viewers follow the workshop; they do not add problems.")
    statement = (statement or "").strip()
    if not statement:
        raise ValidationError({"statement": "State the problem in one sentence."})
    if Problem.objects.filter(pi=pi, statement__iexact=statement).exists():
        raise ValidationError({"statement": "That problem is already on the list: vote for it instead."})
    return Problem.objects.create(
        pi=pi,
        statement=statement[:300],
        root_causes=root_causes.strip(),
        raised_by=actor,
        created_at=at or timezone.now(),
    )


@transaction.atomic
def problem_update(*, problem: Problem, actor, statement: str, root_causes: str) -> Problem:
    """Refine a problem and record its root causes (who raised it, the RTE or Product Management)."""
    require(
        actor,
        problem.pi.train_id,
        lambda access: can_edit_problem(access, problem),
        "Only who raised the problem, the RTE or Product Management edit it.",
    )
    statement = (statement or "").strip()
    if not statement:
        raise ValidationError({"statement": "State the problem in one sentence."})
    if (
        Problem.objects.filter(pi_id=problem.pi_id, statement__iexact=statement)
        .exclude(pk=problem.pk)
        .exists()
    ):
        raise ValidationError({"statement": "Another problem already says that."})
    problem.statement, problem.root_causes = statement[:300], root_causes.strip()
    problem.save(update_fields=["statement", "root_causes"])
    return problem


@transaction.atomic
def problem_vote_toggle(*, problem: Problem, actor, at=None) -> bool:
    """Vote for a problem, or take the vote back. Returns whether the actor now votes for it.

    One vote per person per problem (a database constraint), and VOTES_PER_PERSON per PI.
    """
    require(actor, problem.pi.train_id, can_join_workshop, "Viewers follow the workshop; they do not vote.")
    existing = ProblemVote.objects.filter(problem=problem, voter=actor).first()
    if existing is not None:
        existing.delete()
        return False
    used = ProblemVote.objects.filter(problem__pi_id=problem.pi_id, voter=actor).count()
    if used >= VOTES_PER_PERSON:
        raise ValidationError(
            {"vote": f"You have used your {VOTES_PER_PERSON} votes; take one back to vote for this problem."}
        )
    try:
        with transaction.atomic():
            ProblemVote.objects.create(problem=problem, voter=actor, cast_at=at or timezone.now())
    except IntegrityError:  # a double click raced us: the vote is there, which is what was asked
        pass
    return True


@transaction.atomic
def improvement_create(
    *,
    pi: ProgramIncrement,
    title: str,
    actor,
    owner=None,
    problem: Problem | None = None,
    at=None,
) -> ImprovementItem:
    """An improvement item from the workshop, answering a problem, with an owner."""
    require(
        actor, pi.train_id, can_manage_improvements, "The RTE or Product Management write improvement items."
    )
    errors: dict = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = "Say what will be improved."
    if owner is None:
        errors["owner"] = "Every improvement item needs an owner."
    else:
        _check_member(pi.train_id, owner, "owner", errors)
    if problem is not None and problem.pi_id != pi.pk:
        errors["problem"] = "That problem was raised in another PI's workshop."
    _raise(errors)
    item = ImprovementItem.objects.create(
        train_id=pi.train_id,
        source_pi=pi,
        source_problem=problem,
        title=title[:200],
        problem=problem.statement if problem else "",
        root_causes=problem.root_causes if problem else "",
        owner=owner,
        created_at=at or timezone.now(),
    )
    _record(item, actor, action=Action.CREATED, after=snapshot(item, *IMPROVEMENT_FIELDS, "problem"))
    return item


@transaction.atomic
def improvement_take_into_pi(
    *, item: ImprovementItem, target_pi: ProgramIncrement, actor, at=None
) -> ImprovementItem:
    """Take an improvement item into a later PI: it becomes an enabler in that PI's backlog
    (through planning's own services) and is tracked to done there."""
    item = (
        ImprovementItem.objects.select_for_update(of=("self",))
        .select_related("source_pi", "owner")
        .get(pk=item.pk)
    )
    require(actor, item.train_id, can_manage_improvements, "The RTE or Product Management plan improvements.")
    errors: dict = {}
    if item.target_pi_id is not None or item.feature_id is not None:
        errors["target_pi"] = "It has already been taken into a PI."
    elif item.status != ImprovementItem.Status.PROPOSED:
        errors["target_pi"] = (
            f"It is {item.get_status_display().lower()}; only proposed items are taken into a PI."
        )
    elif target_pi.train_id != item.train_id:
        errors["target_pi"] = "That PI belongs to another train."
    elif target_pi.start_date <= item.source_pi.start_date:
        errors["target_pi"] = "Take it into a PI after the one whose I&A raised it."
    elif target_pi.state == ProgramIncrement.State.CLOSED:
        errors["target_pi"] = "That PI is closed."
    _raise(errors)
    owner = item.owner.get_full_name() or item.owner.get_username() if item.owner else "nobody yet"
    feature = feature_create(
        train=item.train,
        title=item.title,
        pi=target_pi,
        kind=Feature.Kind.ENABLER,
        description=(
            f"Improvement item from the {item.source_pi.name} Inspect & Adapt (owner: {owner}).\n"
            f"Problem: {item.problem or '—'}"
        ),
        actor=actor,
    )
    feature_set_state(feature=feature, state=Feature.State.BACKLOG, actor=actor)
    before = snapshot(item, "status", "target_pi", "feature")
    item.feature, item.target_pi = feature, target_pi
    item.status, item.taken_at = ImprovementItem.Status.PLANNED, at or timezone.now()
    item.save(update_fields=["feature", "target_pi", "status", "taken_at"])
    _record(
        item, actor, before=before, after=snapshot(item, "status", "target_pi", "feature"), at=item.taken_at
    )
    return item


@transaction.atomic
def improvement_set_status(*, item: ImprovementItem, status: str, actor, at=None) -> ImprovementItem:
    """Report progress: in progress, done (the time is kept for improvement throughput), dropped.

    "Taken into a PI" is set by taking it into one; an item is put back to proposed only while it
    has no enabler.
    """
    require(
        actor,
        item.train_id,
        lambda access: can_update_improvement(access, item),
        "Only the item's owner, the RTE or Product Management update it.",
    )
    Status = ImprovementItem.Status
    if status not in Status.values:
        raise ValidationError({"status": "Unknown status."})
    if status == Status.PLANNED and item.target_pi_id is None:
        raise ValidationError({"status": "Take it into a PI to plan it."})
    if status == Status.PROPOSED and item.feature_id is not None:
        raise ValidationError({"status": "It is already in a PI's backlog."})
    if status == item.status:
        return item
    before = snapshot(item, "status")
    item.status = status
    item.done_at = (at or timezone.now()) if status == Status.DONE else None
    item.save(update_fields=["status", "done_at"])
    _record(item, actor, before=before, after=snapshot(item, "status"), at=at)
    return item
