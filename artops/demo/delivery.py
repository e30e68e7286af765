"""The demo train's delivery events: what the teams' pipelines and the incident tool would have posted
over the two closed PIs and the executing one, so the Delivery page and the DORA and quality figures
have data on first run.

Each team deploys its services to production several times an iteration (the platform and
complicated-subsystem teams less often, the enabling team rarely), from a commit a few hours to a
few days old; the train gets a little better PI after PI. Some deployments fail or are rolled back
and a later deployment restores the service, some of those cause an incident restored by that fix;
a few incidents have no deployment behind them, and one is still open. Defects are found before
release while features are built, and a few escape to production after a feature is done. Nothing
happens after `build.today`. Everything goes through planning/services/delivery.py, drawn from the
build's one random generator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from planning.models import Defect, Feature, Incident, ProgramIncrement
from planning.services.delivery import notify_pis, record_event
from trains.models import Team

from .common import Build, DemoTrain, at, pi_iterations


@dataclass(frozen=True)
class Profile:
    """How a team delivers: its services, production deployments per iteration, the age in hours of
    the first commit a deployment carries, and the share of deployments that fail."""

    services: tuple[str, ...]
    deploys: tuple[int, int]
    commit_age_hours: tuple[int, int]
    failure: float


PROFILES = {
    "Atlas": Profile(("api-gateway", "identity"), (2, 4), (20, 120), 0.12),
    "Borealis": Profile(("checkout-web", "cart-service"), (4, 7), (4, 40), 0.10),
    "Comet": Profile(("payments-service", "refunds"), (3, 5), (12, 96), 0.16),
    "Draco": Profile(("partner-portal", "partner-api"), (3, 6), (8, 72), 0.14),
    "Eclipse": Profile(("pricing-engine",), (1, 3), (48, 200), 0.22),
    "Fusion": Profile(("design-system",), (1, 2), (24, 120), 0.06),
    "Galaxy": Profile(("search-service", "catalog"), (4, 6), (6, 48), 0.12),
}
INCIDENT_TITLES = {
    "api-gateway": "Gateway answers 502 for a share of requests",
    "identity": "Logins time out",
    "checkout-web": "Checkout page does not load for some browsers",
    "cart-service": "Carts lose items on refresh",
    "payments-service": "Card payments declined by the provider",
    "refunds": "Refunds stuck in pending",
    "partner-portal": "Partners cannot download invoices",
    "partner-api": "Partner orders rejected with 500",
    "pricing-engine": "Prices computed without the promotion",
    "design-system": "Buttons unreadable in dark mode",
    "search-service": "Search returns no results",
    "catalog": "New products missing from the catalogue",
}
OUTAGES = [
    ("api-gateway", "Certificate expired on the public endpoint", Incident.Severity.CRITICAL),
    ("search-service", "Index cluster ran out of disk", Incident.Severity.HIGH),
    ("payments-service", "Payment provider outage", Incident.Severity.HIGH),
]
DEFECT_TITLES = [
    "Totals round the wrong way",
    "Validation message missing",
    "Date shown in the wrong time zone",
    "Button does nothing on the second click",
    "Export misses the last row",
    "Wrong currency symbol",
    "Screen reader skips the error",
    "Filter forgets its value after reload",
    "Empty state shows an error",
    "Retry sends the request twice",
]


class _Events:
    """Records through the services, numbering references like the tools would, never after `latest`."""

    def __init__(self, build: Build, demo: DemoTrain):
        self.build, self.demo, self.train = build, demo, demo.train
        # Nothing later than the demo's today (nor than now, should the demo be built for a later day).
        self.latest = min(at(build.today, 0), timezone.now())
        self.counter = 0
        self.moments: list[datetime] = []

    def reference(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{4000 + self.counter}"

    def record(self, kind: str, at_time: datetime, **values):
        event = record_event(
            kind, train=self.train, actor=None, values=values, notify=False, at=at_time
        ).event
        self.moments.append(at_time)
        return event


def delivery_events(build: Build, demo: DemoTrain) -> None:
    """Deployments, incidents and defects for the demo's closed and executing PIs."""
    events = _Events(build, demo)
    run = [
        pi for pi in demo.pis if pi.state in (ProgramIncrement.State.CLOSED, ProgramIncrement.State.EXECUTING)
    ]
    for index, pi in enumerate(run):
        maturity = index / max(1, len(run) - 1)  # 0 for the oldest PI, 1 for the executing one
        features = _features_by_team(pi)
        for iteration in pi_iterations(pi):
            for team in demo.teams:
                _team_iteration(events, team, iteration, maturity, features.get(team.pk, []))
        _outage(events, pi, index)
        _escaped_defects(events, pi, features)
    _still_open(events)
    notify_pis(demo.train.pk, events.moments)


def _features_by_team(pi: ProgramIncrement) -> dict[int, list[Feature]]:
    by_team: dict[int, list[Feature]] = {}
    for feature in Feature.objects.filter(pi=pi, team__isnull=False).select_related("team").order_by("pk"):
        by_team.setdefault(feature.team_id, []).append(feature)
    return by_team


def _moment(events: _Events, day, hour_range=(9, 17)) -> datetime:
    rng = events.build.rng
    return at(day, rng.randint(*hour_range)) + timedelta(minutes=rng.randrange(0, 60, 5))


def _working_days(iteration) -> list:
    days = [
        iteration.start_date + timedelta(days=n)
        for n in range((iteration.end_date - iteration.start_date).days + 1)
    ]
    return [day for day in days if day.weekday() < 5]


def _team_iteration(events: _Events, team: Team, iteration, maturity: float, features: list[Feature]) -> None:
    rng = events.build.rng
    profile = PROFILES.get(team.name, Profile((f"{team.name.lower()}-service",), (2, 4), (12, 96), 0.12))
    low, high = profile.deploys
    count = rng.randint(low, high) + (1 if maturity >= 0.5 and rng.random() < 0.5 else 0)
    if iteration.is_ip:
        count = max(1, count // 3)  # the IP iteration: innovation and planning, few releases
    days = _working_days(iteration)
    for day in sorted(rng.choice(days) for _ in range(count)):
        deployed = _moment(events, day)
        if deployed >= events.latest:
            continue
        service = rng.choice(profile.services)
        age_low, age_high = profile.commit_age_hours
        # Lead times shrink as the train matures (smaller batches).
        age = rng.uniform(age_low, age_high) * (1.0 - 0.35 * maturity)
        committed = deployed - timedelta(hours=age)
        merged = deployed - timedelta(hours=rng.uniform(0.5, min(age, 12)))
        failed = rng.random() < profile.failure * (1.0 - 0.4 * maturity)
        rolled_back = failed and rng.random() < 0.5
        deployment = events.record(
            "deployment",
            deployed,
            team=team,
            service=service,
            deployed_at=deployed,
            committed_at=committed,
            merged_at=max(merged, committed),
            succeeded=not failed or rolled_back,
            rolled_back=rolled_back,
            reference=events.reference("pipeline"),
        )
        # Staging gets every change first; it does not count in the DORA figures.
        if rng.random() < 0.3:
            staged = deployed - timedelta(hours=rng.uniform(1, 6))
            events.record(
                "deployment",
                staged,
                team=team,
                service=service,
                environment="staging",
                deployed_at=staged,
                committed_at=min(committed, staged),
                reference=events.reference("pipeline"),
            )
        if failed:
            _restore(events, team, deployment)
        if features and rng.random() < 0.35:
            _defect_before_release(events, team, day, features)


def _restore(events: _Events, team: Team, failed_deployment) -> None:
    """A later deployment (a fix or the previous version) restores service; half the failures were
    noticed by monitoring first, as an incident restored by that deployment."""
    rng = events.build.rng
    fixed = failed_deployment.deployed_at + timedelta(minutes=rng.randint(25, 6 * 60))
    if fixed >= events.latest:
        return
    events.record(
        "deployment",
        fixed,
        team=team,
        service=failed_deployment.service,
        deployed_at=fixed,
        committed_at=fixed - timedelta(minutes=rng.randint(15, 90)),
        reference=events.reference("pipeline"),
    )
    if rng.random() < 0.5:
        started = failed_deployment.deployed_at + timedelta(minutes=rng.randint(3, 20))
        events.record(
            "incident",
            started,
            team=team,
            service=failed_deployment.service,
            title=INCIDENT_TITLES.get(failed_deployment.service, f"{failed_deployment.service} degraded"),
            severity=rng.choice([Incident.Severity.HIGH, Incident.Severity.MEDIUM, Incident.Severity.MEDIUM]),
            started_at=started,
            restored_at=max(fixed + timedelta(minutes=rng.randint(2, 15)), started),
            deployment=failed_deployment,
            reference=events.reference("INC"),
        )


def _defect_before_release(events: _Events, team: Team, day, features: list[Feature]) -> None:
    rng = events.build.rng
    found = _moment(events, day)
    if found >= events.latest:
        return
    resolved = found + timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 6))
    events.record(
        "defect",
        found,
        team=team,
        feature=rng.choice(features),
        title=rng.choice(DEFECT_TITLES),
        severity=rng.choice(
            [Defect.Severity.LOW, Defect.Severity.MEDIUM, Defect.Severity.MEDIUM, Defect.Severity.HIGH]
        ),
        found_in=Defect.FoundIn.BEFORE_RELEASE,
        found_at=found,
        resolved_at=resolved if resolved < events.latest else None,
        reference=events.reference("BUG"),
    )


def _escaped_defects(events: _Events, pi: ProgramIncrement, features: dict[int, list[Feature]]) -> None:
    """A few done features meet a defect in production some days after they were done."""
    rng = events.build.rng
    done = [f for team_features in features.values() for f in team_features if f.done_at is not None]
    for feature in rng.sample(done, min(len(done), rng.randint(2, 4))):
        found = feature.done_at + timedelta(days=rng.randint(1, 10), hours=rng.randint(1, 6))
        if found >= events.latest:
            continue
        resolved = found + timedelta(days=rng.randint(1, 8))
        events.record(
            "defect",
            found,
            team=feature.team,
            feature=feature,
            title=rng.choice(DEFECT_TITLES),
            severity=rng.choice([Defect.Severity.MEDIUM, Defect.Severity.HIGH, Defect.Severity.CRITICAL]),
            found_in=Defect.FoundIn.PRODUCTION,
            found_at=found,
            resolved_at=resolved if resolved < events.latest else None,
            reference=events.reference("BUG"),
        )


def _outage(events: _Events, pi: ProgramIncrement, index: int) -> None:
    """An incident no deployment caused (a certificate, a disk, a provider), restored after hours."""
    rng = events.build.rng
    service, title, severity = OUTAGES[index % len(OUTAGES)]
    day = pi.start_date + timedelta(days=rng.randint(10, 40))
    started = _moment(events, day, (1, 22))
    restored = started + timedelta(minutes=rng.randint(40, 8 * 60))
    if restored >= events.latest:
        return
    owners = {name: profile.services for name, profile in PROFILES.items()}
    team = next((t for t in events.demo.teams if service in owners.get(t.name, ())), None)
    events.record(
        "incident",
        started,
        team=team,
        service=service,
        title=title,
        severity=severity,
        started_at=started,
        restored_at=restored,
        reference=events.reference("INC"),
    )


def _still_open(events: _Events) -> None:
    """The incident the teams are working on now: started yesterday afternoon, not restored yet."""
    started = min(at(events.build.today - timedelta(days=1), 15), events.latest - timedelta(hours=2))
    team = next((t for t in events.demo.teams if t.name == "Comet"), events.demo.teams[0])
    events.record(
        "incident",
        started,
        team=team,
        service="refunds",
        title="Refunds stuck in pending for one acquirer",
        severity=Incident.Severity.HIGH,
        started_at=started,
        reference=events.reference("INC"),
    )
