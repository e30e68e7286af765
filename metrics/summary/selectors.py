"""The leadership summary of a PI (issue 16, part 5): what a Business Owner reads in two minutes.

Built once, as plain lines of words and figures, and drawn twice, as the page and as its PDF, so
the two always say the same. Everything is read through the apps' own selectors: objectives and
predictability from planning (§4.1, the live figure the objectives page shows), the forecast from
the snapshot the metrics workers stored (§4.6, never computed in the request), risks and
impediments from risks, releases from metrics/releases. A fixed number of queries, whatever the
size of the train (pinned by tests/metrics/test_summary.py).

What it lists as "decisions needed" (what an RTE brings to the Business Owners):

- a release awaiting its go/no-go: it has a checklist and no decision yet, or its latest is a no-go;
- an open risk nobody has decided on yet: un-ROAMed (own, accept or mitigate it?), highest exposure first;
- an impediment escalated to the portfolio: beyond the train's reach, it needs leadership;
- actual business value to score: once the PI's IP iteration has begun (or the PI is closed), each
  committed objective without its actual value waits for the Business Owners.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone
from django.utils.formats import date_format

from planning.calculations import NOT_SCORED_YET, PREDICTABILITY_BAND, percent_text
from planning.models import ProgramIncrement
from planning.selectors.objectives import pi_objectives
from risks.models import Impediment, Risk
from risks.selectors import impediments as impediment_rows
from risks.selectors import risks_for_board
from trains.history.services import person
from trains.models import Train

from ..dashboard.common import FORECAST_EDGES, REASONS
from ..models import Snapshot
from ..releases.selectors import ReleaseReadiness, pi_releases

TOP_RISKS = 5
TOP_DECISIONS = 8
BAND_WORDS = {"in": "in band", "below": "below band", "above": "above band", None: "no figure"}
NOT_SCORED = "not scored yet"
ESCALATED = (Impediment.Level.ART, Impediment.Level.PORTFOLIO)


def day(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return date_format(value, "j M Y")


def pct(value: float | None, edges: tuple[float, ...] = ()) -> str:
    """planning.calculations.percent_text (never rounded onto an edge not reached), with its unit."""
    text = percent_text(value, edges)
    return text if value is None else f"{text} %"


@dataclass(frozen=True)
class Headline:
    label: str
    value: str
    detail: str
    tone: str = ""  # good / warn / bad / "" : repeated in words by value and detail


@dataclass(frozen=True)
class TeamLine:
    name: str
    committed: int
    uncommitted: int
    scored: int
    planned: int
    actual: int
    predictability: str
    band: str
    band_key: str  # in / below / above / "" (no figure), for the colour beside the words


@dataclass(frozen=True)
class RiskLine:
    title: str
    where: str
    roam: str
    exposure: int
    owner: str
    due: str


@dataclass(frozen=True)
class ImpedimentLine:
    title: str
    team: str
    level: str
    severity: str
    age_days: int


@dataclass(frozen=True)
class ReleaseLine:
    pk: int
    name: str
    date: str
    readiness: str
    criteria: str
    decision: str


@dataclass
class LeadershipSummary:
    train: Train
    pi: ProgramIncrement
    as_of: datetime
    headlines: list[Headline]
    teams: list[TeamLine]
    art: TeamLine
    mean_of_teams: str
    forecast: str
    forecast_detail: str
    risks: list[RiskLine]
    open_risks: int
    impediments: list[ImpedimentLine]
    releases: list[ReleaseLine]
    decisions: list[str] = field(default_factory=list)
    more_decisions: int = 0

    @property
    def band(self) -> str:
        low, high = PREDICTABILITY_BAND
        return f"{low:.0f}–{high:.0f} %"


def _band_words(figure) -> tuple[str, str]:
    """The band in words and its colour key. A figure still being scored is no result yet: it says
    how far the scoring has got and takes no colour (no red for a figure that may still move)."""
    if figure.reason == NOT_SCORED_YET:
        return NOT_SCORED, ""
    if figure.partial_text:
        return figure.partial_text, ""
    return BAND_WORDS[figure.band], figure.band or ""


def _team_line(name: str, objectives, figure) -> TeamLine:
    committed = [o for o in objectives if o.is_committed]
    band, band_key = _band_words(figure)
    return TeamLine(
        name=name,
        committed=len(committed),
        uncommitted=len(objectives) - len(committed),
        scored=sum(1 for o in objectives if o.actual_business_value is not None),
        planned=figure.planned_total,
        actual=figure.actual_total,
        predictability=pct(figure.percent, PREDICTABILITY_BAND),
        band=band,
        band_key=band_key,
    )


def _forecast(pi: ProgramIncrement) -> tuple[str, str]:
    """The ART's latest stored forecast (domain.md §4.6), in words: the value and what it rests on."""
    snapshot = (
        Snapshot.objects.filter(pi=pi, team__isnull=True, metric=Snapshot.Metric.FORECAST)
        .order_by("-day", "-computed_at")
        .first()
    )
    if snapshot is None:
        return "—", "Not computed yet: the metrics workers store it after the next change."
    data = snapshot.data
    computed = f"computed {day(snapshot.computed_at)}"
    if data.get("reason") == "pi_ended":
        at_start = (data.get("at_start") or {}).get("probability")
        said = "—" if at_start is None else pct(100 * at_start, FORECAST_EDGES)
        return (
            f"{data.get('done', 0)} of {data.get('committed', 0)} done",
            f"Committed features done by the PI's end; the forecast at its start gave {said} ({computed}).",
        )
    if snapshot.value is None:
        reason = REASONS.get(data.get("reason"), "No forecast.").removesuffix(".")
        return "—", f"{reason} ({computed})."
    if data.get("remaining") == 0:
        return pct(
            snapshot.value, FORECAST_EDGES
        ), f"All {data.get('committed', 0)} committed features done ({computed})."
    date_85 = date.fromisoformat(data["date_85"]) if data.get("date_85") else None
    by = day(date_85) if date_85 else "after the horizon"
    return (
        pct(snapshot.value, FORECAST_EDGES),
        f"Chance the {data.get('remaining', 0)} committed features left are done by the PI's end "
        f"(Monte Carlo); 85 % of trials finish by {by} ({computed}).",
    )


def _risk_line(risk: Risk) -> RiskLine:
    return RiskLine(
        title=risk.title,
        where=risk.team.name if risk.team_id else "ART",
        roam=risk.get_roam_status_display(),
        exposure=risk.exposure,
        owner=person(risk.owner) if risk.owner_id else "nobody yet",
        due=day(risk.due_date) if risk.due_date else "—",
    )


def _release_line(release: ReleaseReadiness) -> ReleaseLine:
    milestone = release.milestone
    if release.checklist is None:
        return ReleaseLine(milestone.pk, milestone.name, day(milestone.date), "—", "no checklist yet", "—")
    counts = release.counts()
    criteria = f"{counts['met']} met, {counts['at_risk']} at risk, {counts['not_met']} not met"
    latest = release.latest_decision
    decision = (
        f"{latest.get_outcome_display()} ({day(latest.decided_at)}, {latest.decided_by_name or 'someone'})"
        if latest
        else "awaiting a decision"
    )
    return ReleaseLine(
        milestone.pk, milestone.name, day(milestone.date), release.figure.text, criteria, decision
    )


def leadership_summary(pi: ProgramIncrement, *, now: datetime | None = None) -> LeadershipSummary:
    """The PI's summary. Queries: objectives (3), forecast (1), risks (1), impediments (1) and the
    releases (at most 10, whatever their number), and nothing per team, risk or release."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    overview = pi_objectives(pi)
    teams = [_team_line(t.team.name, t.objectives, t.figure) for t in overview.teams]
    all_objectives = [o for t in overview.teams for o in t.objectives]
    art = _team_line("ART", all_objectives, overview.art)
    forecast, forecast_detail = _forecast(pi)

    open_risks = sorted(
        risks_for_board(pi.train, pi).prefetch_related(None).exclude(roam_status=Risk.Roam.RESOLVED),
        key=lambda r: (-r.exposure, r.due_date or date.max, r.pk),
    )
    escalated = list(
        impediment_rows(pi.train, now=now).prefetch_related(None).filter(escalation_level__in=ESCALATED)
    )
    releases = pi_releases(pi)

    decisions: list[str] = []
    for release in releases:
        if release.checklist is not None and release.awaiting_decision:
            latest = release.latest_decision
            why = "last decision was no-go" if latest else "no decision yet"
            decisions.append(
                f"Go/no-go for {release.milestone.name} ({day(release.milestone.date)}): "
                f"readiness {release.figure.text}, {why}."
            )
    for impediment in escalated:
        if impediment.escalation_level == Impediment.Level.PORTFOLIO:
            decisions.append(
                f"Impediment escalated to the portfolio: {impediment.title} ({impediment.team.name}, "
                f"{(now - impediment.raised_at).days} days open)."
            )
    for risk in open_risks:
        if risk.roam_status == Risk.Roam.UNROAMED:
            decisions.append(
                f"Risk not yet ROAMed: {risk.title} (exposure {risk.exposure}, "
                f"{'ART' if risk.team_id is None else risk.team.name}): own, accept or mitigate it."
            )
    ip_started = any(it.is_ip and it.start_date <= today for it in pi.iterations.all())
    unscored = sum(1 for o in all_objectives if o.is_committed and o.actual_business_value is None)
    if unscored and (ip_started or pi.is_closed):
        decisions.insert(
            0, f"Score actual business value: {unscored} committed objectives are not scored yet."
        )

    decided = [r for r in releases if r.checklist is not None]
    headlines = [
        Headline(
            "Predictability (ART)",
            art.predictability,
            f"{art.band} ({PREDICTABILITY_BAND[0]:.0f}–{PREDICTABILITY_BAND[1]:.0f} %) · "
            f"actual {art.actual} of planned {art.planned} BV",
            {"in": "good", "": ""}.get(art.band_key, "warn"),
        ),
        Headline("Forecast: done by PI end", forecast, forecast_detail.split(" (computed")[0]),
        Headline(
            "Open risks",
            str(len(open_risks)),
            f"{sum(1 for r in open_risks if r.roam_status == Risk.Roam.UNROAMED)} not ROAMed yet",
        ),
        Headline(
            "Escalated impediments",
            str(len(escalated)),
            f"{sum(1 for i in escalated if i.escalation_level == Impediment.Level.PORTFOLIO)} at portfolio level",
            "warn" if escalated else "good",
        ),
        Headline(
            "Releases",
            str(len(releases)),
            f"{sum(1 for r in decided if r.awaiting_decision)} awaiting a go/no-go",
        ),
    ]
    return LeadershipSummary(
        train=pi.train,
        pi=pi,
        as_of=now,
        headlines=headlines,
        teams=teams,
        art=art,
        mean_of_teams=pct(overview.predictability.mean_of_teams, PREDICTABILITY_BAND)
        + (" (partial: a team's figure is still being scored)" if overview.mean_partial else ""),
        forecast=forecast,
        forecast_detail=forecast_detail,
        risks=[_risk_line(risk) for risk in open_risks[:TOP_RISKS]],
        open_risks=len(open_risks),
        impediments=[
            ImpedimentLine(
                title=i.title,
                team=i.team.name,
                level=i.get_escalation_level_display(),
                severity=i.get_severity_display(),
                age_days=(now - i.raised_at).days,
            )
            for i in escalated
        ],
        releases=[_release_line(release) for release in releases],
        decisions=decisions[:TOP_DECISIONS],
        more_decisions=max(0, len(decisions) - TOP_DECISIONS),
    )
