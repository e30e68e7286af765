"""Pure maths behind the delivery and quality figures (domain.md §4.7): the four DORA figures and the
defect escape rate, with DORA's published levels.

Plain functions over plain values, like metrics.calculations (whose helpers they share): no ORM, no
Django, no I/O. ``None`` means "no figure" (shown as "—"), never 0.
"""

import statistics
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .calculations import in_days, percentile, share

# # Every function takes production rows only: which deployments are production is read once, by the
# selector (metrics/delivery_selectors.py, `Deployment.PRODUCTION`). Windows are half-open
# [start, end). Durations are in hours. No data in the window → no figure (None) with its counts at
# zero, never 0 % or 0 hours (domain.md §4.7).

SECONDS_PER_HOUR = 3_600
DAYS_PER_WEEK = 7
DAYS_PER_MONTH = 365.25 / 12


def in_hours(delta: timedelta) -> float:
    return delta.total_seconds() / SECONDS_PER_HOUR


@dataclass(frozen=True)
class DeploymentItem:
    """A production deployment.

    - *delivered*: it succeeded and was not rolled back: the change reached production and stayed.
      Only delivered deployments count for deployment frequency and lead time, and only a delivered
      deployment restores a service.
    - *failed*: it did not succeed, or was rolled back.
    - *change failure*: failed, or an incident names it as its cause.
    """

    key: Hashable
    team_id: int | None
    service: str
    deployed_at: datetime
    committed_at: datetime | None
    merged_at: datetime | None
    succeeded: bool
    rolled_back: bool
    caused_incident: bool = False

    @property
    def delivered(self) -> bool:
        return self.succeeded and not self.rolled_back

    @property
    def failed(self) -> bool:
        return not self.delivered

    @property
    def change_failure(self) -> bool:
        return self.failed or self.caused_incident

    @property
    def change_at(self) -> datetime | None:
        """When the change it carries began: the first commit, else the merge; None when neither is known."""
        return self.committed_at if self.committed_at is not None else self.merged_at


@dataclass(frozen=True)
class IncidentItem:
    """A production incident; ``restored_at`` None while it is still open."""

    key: Hashable
    team_id: int | None
    service: str
    started_at: datetime
    restored_at: datetime | None
    deployment_key: Hashable | None = None  # the deployment that caused it, when known
    title: str = ""


@dataclass(frozen=True)
class DefectItem:
    team_id: int | None
    found_in_production: bool
    found_at: datetime


def _deployed_in(items: Iterable[DeploymentItem], start: datetime, end: datetime) -> list[DeploymentItem]:
    return [item for item in items if start <= item.deployed_at < end]


@dataclass(frozen=True)
class DeploymentFrequency:
    """§4.7 deployment frequency over a window, with what it is computed from."""

    per_week: float | None
    per_day: float | None
    delivered: int  # delivered production deployments in the window
    deployments: int  # every production deployment in the window, failed ones included
    days: float  # the window's length in days


def deployment_frequency(
    deployments: Iterable[DeploymentItem], start: datetime, end: datetime
) -> DeploymentFrequency:
    """§4.7 deployment frequency: delivered production deployments in [start, end) ÷ the window's
    length in weeks (and in days).

    No figure (None) when no production deployment at all was recorded in the window, or the window
    has no length yet: nothing says whether the team deployed and did not report it, so 0 would be a
    claim the data cannot make. Production deployments recorded but none delivered is a measured 0
    per week: the pipeline reports, and nothing reached production to stay.
    """
    in_window = _deployed_in(deployments, start, end)
    delivered = sum(1 for item in in_window if item.delivered)
    days = max(in_days(end - start), 0.0)
    if not in_window or days == 0:
        return DeploymentFrequency(None, None, delivered, len(in_window), days)
    return DeploymentFrequency(
        per_week=delivered / days * DAYS_PER_WEEK,
        per_day=delivered / days,
        delivered=delivered,
        deployments=len(in_window),
        days=days,
    )


@dataclass(frozen=True)
class LeadTimeSummary:
    """§4.7 lead time for change in hours over the delivered deployments of a window."""

    count: int  # delivered deployments with a lead time
    median_hours: float | None
    p85_hours: float | None
    without_change_time: int  # delivered deployments with neither a commit nor a merge time
    from_merge: int  # lead times measured from the merge (no commit time given)


def lead_time_for_change(
    deployments: Iterable[DeploymentItem], start: datetime, end: datetime
) -> LeadTimeSummary:
    """§4.7 lead time for change: deployed − first commit (else merge) of each delivered production
    deployment in [start, end), in hours: median and 85th percentile (``percentile``'s inclusive
    method, so two values give a point between them, one value is every percentile).

    A deployment with neither time is not counted (and is counted as such); nor is one whose change
    time is after its deployment (a clock or data error: no negative lead times are invented).
    """
    hours = []
    without = from_merge = 0
    for item in _deployed_in(deployments, start, end):
        if not item.delivered:
            continue
        began = item.change_at
        if began is None:
            without += 1
            continue
        if began > item.deployed_at:
            continue
        from_merge += item.committed_at is None
        hours.append(in_hours(item.deployed_at - began))
    return LeadTimeSummary(
        count=len(hours),
        median_hours=statistics.median(hours) if hours else None,
        p85_hours=percentile(hours, 85),
        without_change_time=without,
        from_merge=from_merge if hours else 0,
    )


# The KPI table (seed 001, "Change Failure Rate (DORA)"): below 15 % in high-performing contexts.
CHANGE_FAILURE_HEALTHY_BELOW = 15.0


@dataclass(frozen=True)
class ChangeFailureSummary:
    """§4.7 change failure rate over the production deployments of a window."""

    percent: float | None
    deployments: int
    failures: int  # deployments that failed, were rolled back or caused an incident (each once)
    not_succeeded: int
    rolled_back: int
    caused_incident: int

    @property
    def healthy(self) -> bool | None:
        """Inside the KPI table's band (below 15 %); None without a figure."""
        return None if self.percent is None else self.percent < CHANGE_FAILURE_HEALTHY_BELOW


def change_failure_rate(
    deployments: Iterable[DeploymentItem], start: datetime, end: datetime
) -> ChangeFailureSummary:
    """§4.7 change failure rate: production deployments in [start, end) that failed, were rolled
    back or caused an incident ÷ all production deployments in the window × 100. A deployment is one
    failure however many of the three it did. None when no production deployment was recorded."""
    in_window = _deployed_in(deployments, start, end)
    return ChangeFailureSummary(
        percent=share(sum(1 for item in in_window if item.change_failure), len(in_window)),
        deployments=len(in_window),
        failures=sum(1 for item in in_window if item.change_failure),
        not_succeeded=sum(1 for item in in_window if not item.succeeded),
        rolled_back=sum(1 for item in in_window if item.rolled_back),
        caused_incident=sum(1 for item in in_window if item.caused_incident),
    )


@dataclass(frozen=True)
class Restoration:
    """A service failing from a failed production deployment until a later delivered one."""

    deployment: DeploymentItem  # the first failed deployment of the run of failures
    restored_at: datetime | None  # the next delivered deployment of the service; None: not yet


def deployment_restorations(deployments: Iterable[DeploymentItem]) -> list[Restoration]:
    """Failed production deployments and the later delivered deployment of the same service that
    restored it ("a failed deployment restored by a later one").

    A run of failures of one service before its next delivered deployment is one restoration,
    timed from the run's first failure: the service was failing from then, and a second failure on
    top of it is not a second, shorter outage. Deployments that caused an incident are left out:
    their incident's own restored time measures that outage (counted once, not twice).
    """
    by_service: dict[str, list[DeploymentItem]] = {}
    for item in sorted(deployments, key=lambda item: (item.deployed_at, repr(item.key))):
        by_service.setdefault(item.service, []).append(item)
    restorations = []
    for items in by_service.values():
        failing_since: DeploymentItem | None = None
        for item in items:
            if item.delivered:
                if failing_since is not None:
                    restorations.append(Restoration(failing_since, item.deployed_at))
                failing_since = None
            elif failing_since is None and not item.caused_incident:
                failing_since = item
        if failing_since is not None:
            restorations.append(Restoration(failing_since, None))
    return sorted(restorations, key=lambda r: (r.deployment.deployed_at, repr(r.deployment.key)))


@dataclass(frozen=True)
class RestoreSummary:
    """§4.7 time to restore in hours, with the outages still open as of the window's end."""

    median_hours: float | None  # incidents and failed deployments restored in the window, pooled
    restored: int
    incidents_restored: int
    incident_median_hours: float | None
    deployments_restored: int
    deployment_median_hours: float | None
    open_incidents: int
    oldest_open_incident_hours: float | None
    open_failed_deployments: int
    oldest_failed_deployment_hours: float | None


def time_to_restore(
    incidents: Iterable[IncidentItem],
    restorations: Iterable[Restoration],
    start: datetime,
    end: datetime,
    as_of: datetime,
) -> RestoreSummary:
    """§4.7 time to restore: the median, in hours, of

    - restored − started of each incident restored within [start, end), and
    - the next delivered deployment − the failed one, of each failed production deployment restored
      within [start, end) (``deployment_restorations``).

    Incidents still open at ``as_of`` (started before it, not restored by it) are not in the median
    (their duration is not known yet) but are reported: how many, and how long the oldest has been
    open; failed deployments not yet followed by a delivered one likewise. None when nothing was
    restored in the window.
    """
    incident_hours, open_incident_ages = [], []
    for incident in incidents:
        if incident.started_at >= as_of:
            continue
        if incident.restored_at is None or incident.restored_at >= as_of:
            open_incident_ages.append(in_hours(as_of - incident.started_at))
        elif start <= incident.restored_at < end:
            incident_hours.append(in_hours(incident.restored_at - incident.started_at))
    deployment_hours, failing_ages = [], []
    for restoration in restorations:
        failed_at = restoration.deployment.deployed_at
        if failed_at >= as_of:
            continue
        if restoration.restored_at is None or restoration.restored_at >= as_of:
            failing_ages.append(in_hours(as_of - failed_at))
        elif start <= restoration.restored_at < end:
            deployment_hours.append(in_hours(restoration.restored_at - failed_at))
    pooled = incident_hours + deployment_hours
    return RestoreSummary(
        median_hours=statistics.median(pooled) if pooled else None,
        restored=len(pooled),
        incidents_restored=len(incident_hours),
        incident_median_hours=statistics.median(incident_hours) if incident_hours else None,
        deployments_restored=len(deployment_hours),
        deployment_median_hours=statistics.median(deployment_hours) if deployment_hours else None,
        open_incidents=len(open_incident_ages),
        oldest_open_incident_hours=max(open_incident_ages, default=None),
        open_failed_deployments=len(failing_ages),
        oldest_failed_deployment_hours=max(failing_ages, default=None),
    )


@dataclass(frozen=True)
class DefectEscapeSummary:
    percent: float | None
    production: int
    before_release: int

    @property
    def total(self) -> int:
        return self.production + self.before_release


def defect_escape_rate(defects: Iterable[DefectItem], start: datetime, end: datetime) -> DefectEscapeSummary:
    """§4.7 defect escape rate: defects found in production in [start, end) ÷ all defects found in
    it (production + before release) × 100; None when no defect was found in the window."""
    found = [defect for defect in defects if start <= defect.found_at < end]
    production = sum(1 for defect in found if defect.found_in_production)
    return DefectEscapeSummary(
        percent=share(production, len(found)),
        production=production,
        before_release=len(found) - production,
    )


# --- DORA performance levels ---------------------------------------------------------------------

# One published set, named wherever a level is shown: the software delivery performance levels of
# DORA's Accelerate State of DevOps Report 2023 (Google Cloud), "How do you compare?". The report
# describes each level by a band (or, for change failure rate, the level's typical rate); its Low
# band repeats Medium's for deployment frequency and lead time. Read as cut points: a figure is at
# the best level whose band it reaches, and Low is whatever falls short of Medium.
DORA_SOURCE = "DORA, Accelerate State of DevOps Report 2023"
ELITE, HIGH, MEDIUM, LOW = "elite", "high", "medium", "low"
DORA_LEVEL_ORDER = (ELITE, HIGH, MEDIUM, LOW)


@dataclass(frozen=True)
class LevelBand:
    level: str
    limit: float
    inclusive: bool  # a figure exactly at the limit is in this level
    published: str  # the report's words for the level


@dataclass(frozen=True)
class DoraScale:
    unit: str
    higher_is_better: bool
    bands: tuple[LevelBand, ...]  # elite, high, medium; short of medium is low
    low: str

    def level(self, value: float | None) -> str | None:
        if value is None:
            return None
        for band in self.bands:
            beyond = value > band.limit if self.higher_is_better else value < band.limit
            if beyond or (band.inclusive and value == band.limit):
                return band.level
        return LOW

    def published(self, level: str) -> str:
        return next((band.published for band in self.bands if band.level == level), self.low)


DORA_LEVELS = {
    "deployment_frequency": DoraScale(
        unit="delivered deployments per week",
        higher_is_better=True,
        bands=(
            LevelBand(ELITE, DAYS_PER_WEEK, False, "on demand (multiple deploys per day)"),
            LevelBand(HIGH, 1.0, True, "between once per day and once per week"),
            LevelBand(
                MEDIUM, DAYS_PER_WEEK / DAYS_PER_MONTH, True, "between once per week and once per month"
            ),
        ),
        low="less often than once per month",
    ),
    "lead_time_for_change": DoraScale(
        unit="hours (median)",
        higher_is_better=False,
        bands=(
            LevelBand(ELITE, 24.0, False, "less than one day"),
            LevelBand(HIGH, 24.0 * DAYS_PER_WEEK, True, "between one day and one week"),
            LevelBand(MEDIUM, 24.0 * DAYS_PER_MONTH, True, "between one week and one month"),
        ),
        low="more than one month",
    ),
    "change_failure_rate": DoraScale(
        unit="%",
        higher_is_better=False,
        bands=(
            LevelBand(ELITE, 5.0, True, "about 5 %"),
            LevelBand(HIGH, 10.0, True, "about 10 %"),
            LevelBand(MEDIUM, 15.0, True, "about 15 %"),
        ),
        low="about 64 %",
    ),
    "time_to_restore": DoraScale(
        unit="hours (median)",
        higher_is_better=False,
        bands=(
            LevelBand(ELITE, 1.0, False, "less than one hour"),
            LevelBand(HIGH, 24.0, False, "less than one day"),
            LevelBand(MEDIUM, 24.0 * DAYS_PER_WEEK, True, "between one day and one week"),
        ),
        low="more than one week",
    ),
}


def dora_level(figure: str, value: float | None) -> str | None:
    """The DORA performance level (elite, high, medium, low) of one of the four figures' values, in
    the units above; None without a figure."""
    return DORA_LEVELS[figure].level(value)
