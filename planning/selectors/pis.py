"""Which PI a planning screen shows."""

from django.http import Http404

from planning.models import ProgramIncrement

from .board import pi_asked_for, pis_of_train


def planning_pi(pi_id: str | int | None, pis: list[ProgramIncrement]) -> ProgramIncrement:
    """The PI asked for; else the one in planning; else the next draft; else the newest.

    PI Planning screens are about the *next* plan, so they default differently from the board
    (which shows the executing PI). 404 when the train has no PI or not the one asked for.
    """
    if pi_id:
        return pi_asked_for(pis, pi_id)
    if not pis:
        raise Http404("This train has no PI yet.")
    for state in (ProgramIncrement.State.PLANNING, ProgramIncrement.State.DRAFT):
        candidates = [pi for pi in pis if pi.state == state]
        if candidates:
            return min(candidates, key=lambda pi: pi.start_date)
    return max(pis, key=lambda pi: pi.start_date)


__all__ = ["pis_of_train", "planning_pi"]
