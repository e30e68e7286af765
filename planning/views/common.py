"""What every PI Planning screen starts from: the train, the user's access, the PI being planned."""

from dataclasses import dataclass

from planning.models import ProgramIncrement
from planning.selectors.pis import pi_being_planned, pis_of_train
from trains.access import TrainAccess
from trains.http import HtmxHttpRequest
from trains.models import Train
from trains.selectors import train_for_user


@dataclass(frozen=True)
class PlanningPage:
    train: Train
    access: TrainAccess
    pis: list[ProgramIncrement]
    pi: ProgramIncrement

    @property
    def editable(self) -> bool:
        """Whether the page offers any change at all: a closed PI is a read-only record (the services
        refuse every write to it; this keeps the pages from offering them)."""
        return not self.pi.is_closed

    def context(self, section: str, **extra) -> dict:
        """The context every page of templates/planning/layout.html needs, plus the page's own."""
        return {
            "train": self.train,
            "access": self.access,
            "pis": self.pis,
            "pi": self.pi,
            "pi_editable": self.editable,
            "nav": "planning",
            "section": section,
            **extra,
        }


def planning_page(request: HtmxHttpRequest, slug: str) -> PlanningPage:
    """The train (404 for outsiders), the user's roles on it, and the PI from `?pi=` or the default."""
    train, access = train_for_user(request.user, slug)
    pis = list(pis_of_train(train))
    pi_id = request.GET.get("pi") or request.POST.get("pi")
    return PlanningPage(train=train, access=access, pis=pis, pi=pi_being_planned(pi_id, pis))
