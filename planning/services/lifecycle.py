"""Writes for the PI itself: creating it on the train's cadence, and its lifecycle."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from planning.models import Iteration, ProgramIncrement
from planning.permissions import can_manage_pi
from trains.access import NotAllowed, train_access
from trains.models import Train


def iteration_dates(*, start_date: date, length_days: int, count: int) -> list[tuple[date, date]]:
    """Back-to-back iterations of `length_days` from `start_date` (the last one being IP)."""
    return [
        (start_date + timedelta(days=i * length_days), start_date + timedelta(days=(i + 1) * length_days - 1))
        for i in range(count)
    ]


@transaction.atomic
def pi_create(
    *, train: Train, name: str, start_date: date, actor=None, iteration_count: int | None = None
) -> ProgramIncrement:
    """Create a PI with its iterations on the train's cadence; the last iteration is IP."""
    if actor is not None and not can_manage_pi(train_access(actor, train)):
        raise NotAllowed("Only the Release Train Engineer creates PIs.")
    if ProgramIncrement.objects.filter(train=train, name=name).exists():
        raise ValidationError({"name": "This train already has a PI of that name."})
    count = iteration_count or train.iterations_per_pi
    if count < 2:
        raise ValidationError(
            {"iteration_count": "A PI needs at least one development iteration and the IP iteration."}
        )
    spans = iteration_dates(start_date=start_date, length_days=train.iteration_length_days, count=count)
    pi = ProgramIncrement.objects.create(train=train, name=name, start_date=start_date, end_date=spans[-1][1])
    Iteration.objects.bulk_create(
        Iteration(pi=pi, number=n, start_date=start, end_date=end, is_ip=(n == count))
        for n, (start, end) in enumerate(spans, start=1)
    )
    return pi
