"""Which PI a screen shows when none is asked for: four questions, each answered once.

- ``pi_on_the_board``: the program board (and the header's "Program board" link, which names no PI):
  the PI in planning when there is one, else the executing one;
- ``pi_being_run``: the PI the train is executing (the running-the-PI screens);
- ``pi_being_planned``: the next plan (the PI Planning screens);
- ``pi_with_latest_results``: the PI whose figures are the latest there are (the metrics dashboard).

The board leads with the PI in planning because that is where the RTE and the teams place features
during PI Planning, while the one executing is still running; once the plan is committed it executes
and the board follows it. Between PIs the board shows the newest PI, PI Planning the earliest one
still in planning or draft, and the dashboard the latest closed PI, which has figures where a draft
has none. Every one answers `?pi=` first and 404s when the train has no such PI.
"""

from django.db.models import QuerySet
from django.http import Http404

from planning.models import ProgramIncrement
from trains.models import Train

State = ProgramIncrement.State


def pis_of_train(train: Train) -> QuerySet[ProgramIncrement]:
    return ProgramIncrement.objects.filter(train=train).order_by("-start_date")


def pi_asked_for(pis: list[ProgramIncrement], pi_id: str | int) -> ProgramIncrement:
    """The PI a page was asked for (`?pi=`) among the train's PIs; 404 when it is not one of them."""
    chosen = next((pi for pi in pis if str(pi.pk) == str(pi_id)), None)
    if chosen is None:
        raise Http404("No such PI on this train.")
    return chosen


def _newest(pis: list[ProgramIncrement]) -> ProgramIncrement:
    if not pis:
        raise Http404("This train has no PI yet.")
    return max(pis, key=lambda pi: pi.start_date)


def pi_being_run(
    train: Train, pi_id: str | int | None, pis: list[ProgramIncrement] | None = None
) -> ProgramIncrement:
    """The PI asked for, else the executing one, else the newest. 404 when the train has none.

    Pass the train's PIs when the page lists them anyway: then this costs no query.
    """
    pis = list(pis_of_train(train)) if pis is None else pis
    if pi_id:
        return pi_asked_for(pis, pi_id)
    return _newest([pi for pi in pis if pi.state == State.EXECUTING] or pis)


def pi_on_the_board(
    train: Train, pi_id: str | int | None, pis: list[ProgramIncrement] | None = None
) -> ProgramIncrement:
    """The PI asked for; else the one in planning (the earliest, if several); else the executing
    one; else the newest. 404 when the train has none. Costs no query when given the train's PIs."""
    pis = list(pis_of_train(train)) if pis is None else pis
    if pi_id:
        return pi_asked_for(pis, pi_id)
    in_planning = [pi for pi in pis if pi.state == State.PLANNING]
    if in_planning:
        return min(in_planning, key=lambda pi: pi.start_date)
    return pi_being_run(train, None, pis)


def pi_being_planned(pi_id: str | int | None, pis: list[ProgramIncrement]) -> ProgramIncrement:
    """The PI asked for; else the one in planning; else the next draft; else the newest. 404 when
    the train has no PI. PI Planning is about the *next* plan: the earliest one not yet run."""
    if pi_id:
        return pi_asked_for(pis, pi_id)
    for state in (State.PLANNING, State.DRAFT):
        candidates = [pi for pi in pis if pi.state == state]
        if candidates:
            return min(candidates, key=lambda pi: pi.start_date)
    return _newest(pis)


def pi_with_latest_results(pi_id: str | int | None, pis: list[ProgramIncrement]) -> ProgramIncrement:
    """The PI asked for; else the executing one; else the latest closed; else the newest. 404 when
    the train has no PI. The dashboard opens where there are figures to read."""
    if pi_id:
        return pi_asked_for(pis, pi_id)
    for state in (State.EXECUTING, State.CLOSED):
        candidates = [pi for pi in pis if pi.state == state]
        if candidates:
            return _newest(candidates)
    return _newest(pis)
