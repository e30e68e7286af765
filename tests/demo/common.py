"""What the demo train's tests share: the day the demo is built for, its logins, and its PIs by state."""

from datetime import date

from artops.demo import LOGINS
from planning.models import ProgramIncrement
from trains.models import Train

TODAY = date(2026, 11, 21)
LOGIN_USERNAMES = [username for username, *_ in LOGINS]


def closed_pis_of(train: Train) -> list[ProgramIncrement]:
    return list(train.pis.filter(state=ProgramIncrement.State.CLOSED).order_by("start_date"))


def executing_pi_of(train: Train) -> ProgramIncrement:
    return train.pis.get(state=ProgramIncrement.State.EXECUTING)


def draft_pi_of(train: Train) -> ProgramIncrement:
    return train.pis.get(state=ProgramIncrement.State.DRAFT)
