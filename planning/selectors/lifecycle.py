"""Reads for the PI page: is the PI ready for PI Planning (the readiness checklist)?

Five checks an RTE runs before the event (SAFe "PI Planning readiness"): the top of the backlog is
understood (acceptance criteria) and sized (the four WSJF inputs), every team has entered its
capacity, Business Owners are named, and the PI has its cadence with an IP iteration. "% ready" is
passed checks / checks. A fixed number of queries, however large the train.
"""

from dataclasses import dataclass, field

from planning.calculations import WsjfItem, rank_by_wsjf
from planning.models import Feature, Iteration, PIReopening, ProgramIncrement, TeamCapacity
from trains.models import Team

TOP_FEATURES = 10


@dataclass(frozen=True)
class Missing:
    """Something a check found missing; `fix` names the page where it is put right, if any."""

    label: str
    detail: str = ""
    fix: str | None = None  # "backlog" or "capacity" (a planning URL name), or "owners" (on this page)


@dataclass(frozen=True)
class ReadinessItem:
    key: str
    title: str
    passed: bool
    detail: str
    missing: list[Missing] = field(default_factory=list)


@dataclass(frozen=True)
class Readiness:
    items: list[ReadinessItem]

    @property
    def passed(self) -> int:
        return sum(item.passed for item in self.items)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def percent(self) -> int:
        return round(100 * self.passed / self.total) if self.total else 0


def top_features(pi: ProgramIncrement, limit: int = TOP_FEATURES) -> list[Feature]:
    """The PI's backlog ranked by WSJF (§4.4): the first `limit`. Unestimated features rank last."""
    features = {
        f.pk: f
        for f in Feature.objects.filter(pi=pi).only(
            "pk",
            "title",
            "acceptance_criteria",
            "business_value",
            "time_criticality",
            "risk_reduction",
            "job_size",
        )
    }
    ranked = rank_by_wsjf(
        WsjfItem(
            key=f.pk,
            business_value=f.business_value,
            time_criticality=f.time_criticality,
            risk_reduction=f.risk_reduction,
            job_size=f.job_size,
        )
        for f in features.values()
    )
    return [features[item.key] for item in ranked[:limit]]


def _feature_checks(top: list[Feature]) -> list[ReadinessItem]:
    if not top:
        empty = "No features in this PI's backlog yet: pull features into the PI."
        return [
            ReadinessItem(
                "acceptance",
                "Top features have acceptance criteria",
                False,
                empty,
                [Missing("Backlog is empty", fix="backlog")],
            ),
            ReadinessItem(
                "estimates",
                "Top features are estimated (all four WSJF inputs)",
                False,
                empty,
                [Missing("Backlog is empty", fix="backlog")],
            ),
        ]
    no_criteria = [f for f in top if not f.acceptance_criteria.strip()]
    unestimated = [
        f for f in top if None in (f.business_value, f.time_criticality, f.risk_reduction, f.job_size)
    ]
    names = {
        "business_value": "business value",
        "time_criticality": "time criticality",
        "risk_reduction": "risk reduction",
        "job_size": "job size",
    }
    n = len(top)
    return [
        ReadinessItem(
            "acceptance",
            f"Top {n} features have acceptance criteria",
            not no_criteria,
            f"{n - len(no_criteria)} of the top {n} features by WSJF have acceptance criteria.",
            [Missing(f.title, "no acceptance criteria", "backlog") for f in no_criteria],
        ),
        ReadinessItem(
            "estimates",
            f"Top {n} features are estimated (all four WSJF inputs)",
            not unestimated,
            f"{n - len(unestimated)} of the top {n} features have all four WSJF inputs.",
            [
                Missing(
                    f.title,
                    "missing "
                    + ", ".join(label for name, label in names.items() if getattr(f, name) is None),
                    "backlog",
                )
                for f in unestimated
            ],
        ),
    ]


def _capacity_check(pi: ProgramIncrement, iterations: list[Iteration]) -> ReadinessItem:
    teams = list(Team.objects.filter(train_id=pi.train_id).order_by("position", "name"))
    development = [it for it in iterations if not it.is_ip]
    entered = set(
        TeamCapacity.objects.filter(iteration__pi=pi, iteration__is_ip=False).values_list(
            "team_id", "iteration_id"
        )
    )
    missing = []
    for team in teams:
        gaps = [it.label for it in development if (team.pk, it.pk) not in entered]
        if gaps:
            missing.append(Missing(team.name, "no capacity for " + ", ".join(gaps), "capacity"))
    cells = len(teams) * len(development)
    filled = sum((team.pk, it.pk) in entered for team in teams for it in development)
    if not teams or not development:
        detail = "The train has no teams yet." if not teams else "The PI has no development iterations."
        return ReadinessItem("capacity", "Capacity entered for every team", False, detail, missing)
    return ReadinessItem(
        "capacity",
        "Capacity entered for every team",
        not missing,
        f"{filled} of {cells} team × iteration cells have capacity ({len(teams)} teams × "
        f"{len(development)} development iterations; IP excluded).",
        missing,
    )


def business_owners_of(pi: ProgramIncrement) -> list:
    return list(pi.business_owners.order_by("last_name", "first_name", "username"))


def _business_owner_check(owners: list) -> ReadinessItem:
    names = [user.get_full_name() or user.username for user in owners]
    return ReadinessItem(
        "business_owners",
        "Business Owners assigned",
        bool(names),
        ("Assigned: " + ", ".join(names) + ".") if names else "No Business Owner is assigned to this PI.",
        []
        if names
        else [Missing("Assign the Business Owners", "on this page, under Business Owners", "owners")],
    )


def _cadence_check(iterations: list[Iteration]) -> ReadinessItem:
    development = [it for it in iterations if not it.is_ip]
    ip = [it for it in iterations if it.is_ip]
    problems = []
    if not development:
        problems.append(Missing("No development iterations"))
    if not ip:
        problems.append(Missing("No IP iteration"))
    elif iterations and not iterations[-1].is_ip:
        problems.append(Missing("The IP iteration is not the last one"))
    detail = (
        f"{len(development)} development iterations and the IP iteration, "
        f"{iterations[0].start_date:%-d %b} – {iterations[-1].end_date:%-d %b %Y}."
        if not problems
        else "The PI's cadence is incomplete."
    )
    return ReadinessItem("cadence", "Iterations dated, with an IP iteration", not problems, detail, problems)


def pi_readiness(
    pi: ProgramIncrement, iterations: list[Iteration] | None = None, business_owners: list | None = None
) -> Readiness:
    """The readiness checklist. Pass the PI's iterations (ordered by number) and Business Owners
    (as `business_owners_of`) if the page has them."""
    if iterations is None:
        iterations = list(pi.iterations.order_by("number"))
    if business_owners is None:
        business_owners = business_owners_of(pi)
    return Readiness(
        items=[
            *_feature_checks(top_features(pi)),
            _capacity_check(pi, iterations),
            _business_owner_check(business_owners),
            _cadence_check(iterations),
        ]
    )


def reopenings_of(pi: ProgramIncrement) -> list[PIReopening]:
    """Every time the RTE reopened this PI after it was closed, newest first, with who did it."""
    return list(pi.reopenings.select_related("reopened_by").order_by("-reopened_at", "-pk"))
