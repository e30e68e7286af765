"""What every PI Planning screen starts from: the train, the user's access, the PI being planned."""

from dataclasses import dataclass

from artops.types import HtmxHttpRequest
from planning.models import ProgramIncrement
from planning.selectors.pis import pis_of_train, planning_pi
from trains.access import TrainAccess
from trains.models import Train
from trains.selectors import train_for_user


@dataclass(frozen=True)
class PlanningPage:
    train: Train
    access: TrainAccess
    pis: list[ProgramIncrement]
    pi: ProgramIncrement

    def context(self, section: str, **extra) -> dict:
        """The context every page of templates/planning/layout.html needs, plus the page's own."""
        return {
            "train": self.train,
            "access": self.access,
            "pis": self.pis,
            "pi": self.pi,
            "nav": "planning",
            "section": section,
            **extra,
        }


def planning_page(request: HtmxHttpRequest, slug: str) -> PlanningPage:
    """The train (404 for outsiders), the user's roles on it, and the PI from `?pi=` or the default."""
    train, access = train_for_user(request.user, slug)
    pis = list(pis_of_train(train))
    pi_id = request.GET.get("pi") or request.POST.get("pi")
    return PlanningPage(train=train, access=access, pis=pis, pi=planning_pi(pi_id, pis))
