"""Reads for surveys: the train's surveys, who still has one to answer, each survey's results, the
PI's event effectiveness for the I&A review, and the results over time, ready to chart.

Two rules keep the answers anonymous, and both hold here, where every result is computed:

- a result (means, comments) exists only once the survey has closed (closed by the RTE, or its last
  day passed): a result that changed after each answer would give each answer away by difference;
- and only when at least SURVEY_MIN_ANSWERS people answered ("fewer than 3 answers: no result, to
  keep answers anonymous"). Below that the result holds no figure and no comment at all, so no page,
  partial or export can show one by mistake.

Means follow domain.md §4: the mean of all 1–5 answers of a survey, and per question.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from planning.models import ProgramIncrement
from trains.access import TrainAccess
from trains.models import TEAM_ROLES, Train

from ..models import (
    EVENT_SURVEY_KINDS,
    Survey,
    SurveyParticipation,
    SurveyQuestion,
    SurveyResponse,
    SurveyScore,
)
from ..permissions import can_answer_survey

SURVEY_MIN_ANSWERS = 3
NO_RESULT = f"fewer than {SURVEY_MIN_ANSWERS} answers: no result, to keep answers anonymous"
SCALE_MAX = 5
# The RTE's KPI table (../shared/seeds, the role blueprint's "KPIs and Productivity Metrics"): "ART
# Event Effectiveness Score — survey score for PI Planning/I&A usefulness — ≥4.2/5 average across
# roles — per event". Team health's row asks for "stable or improving", no figure: no target there.
EVENT_EFFECTIVENESS_TARGET = Fraction(21, 5)


# --- the figures (plain values, no ORM) ------------------------------------------------------------------


def mean(total: int, count: int) -> Fraction | None:
    """The mean of `count` scores summing to `total`; none answered: no figure (None), never 0."""
    return Fraction(total, count) if count else None


def meets_target(value: Fraction | None, target: Fraction | None = EVENT_EFFECTIVENESS_TARGET) -> bool | None:
    """At or above the target (exactly: 4.19 is below 4.2); no figure or no target: None."""
    if value is None or target is None:
        return None
    return value >= target


def quarter_of(day: date) -> str:
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


@dataclass(frozen=True)
class QuestionResult:
    text: str
    mean: Fraction | None

    @property
    def on_scale(self) -> float | None:
        """The mean as a share of the scale's end (5), in %, for a bar."""
        return None if self.mean is None else float(self.mean) * 100 / SCALE_MAX


@dataclass
class SurveyResult:
    """What may be shown of a survey: how many answered and, once closed with at least three
    answers, the means and the comments (unattributed, sorted by their text)."""

    survey: Survey
    answers: int
    closed: bool
    questions: list[QuestionResult] = field(default_factory=list)
    overall: Fraction | None = None
    comments: list[str] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return self.overall is not None

    @property
    def too_few(self) -> bool:
        return self.closed and self.answers < SURVEY_MIN_ANSWERS

    @property
    def target(self) -> Fraction | None:
        return EVENT_EFFECTIVENESS_TARGET if self.survey.is_event else None

    @property
    def meets_target(self) -> bool | None:
        return meets_target(self.overall, self.target)

    @property
    def on_scale(self) -> float | None:
        return None if self.overall is None else float(self.overall) * 100 / SCALE_MAX

    @property
    def target_on_scale(self) -> float | None:
        return None if self.target is None else float(self.target) * 100 / SCALE_MAX

    @property
    def status(self) -> str:
        """Why there is no figure, in words; "" when there is one."""
        if self.shown:
            return ""
        if not self.closed:
            return (
                f"open until {self.survey.closes_on.day} {self.survey.closes_on:%b}: results when it closes"
            )
        return NO_RESULT


def survey_result(
    survey: Survey,
    *,
    questions: list[SurveyQuestion],
    answers: int,
    closed: bool,
    totals: dict[int, tuple[int, int]],
    comments: list[str],
) -> SurveyResult:
    """`totals`: (sum, count) of the scores per question id. The figures are filled in only when the
    survey has closed with enough answers."""
    result = SurveyResult(survey=survey, answers=answers, closed=closed)
    if not closed or answers < SURVEY_MIN_ANSWERS:
        return result
    result.questions = [QuestionResult(q.text, mean(*totals.get(q.pk, (0, 0)))) for q in questions]
    result.overall = mean(
        sum(totals.get(q.pk, (0, 0))[0] for q in questions),
        sum(totals.get(q.pk, (0, 0))[1] for q in questions),
    )
    result.comments = sorted((c for c in comments if c), key=lambda c: (c.casefold(), c))
    return result


# --- reads ---------------------------------------------------------------------------------------------


def _surveys() -> QuerySet[Survey]:
    return Survey.objects.select_related("pi", "team", "system_demo__iteration", "opened_by").annotate(
        answer_count=Count("participations", distinct=True)
    )


def surveys_of(train: Train, user=None) -> list[Survey]:
    """The train's surveys, newest first, each with `answer_count` and (for `user`) `answered`."""
    queryset = _surveys().filter(train=train).order_by("-opened_at", "-pk")
    if user is not None:
        queryset = queryset.annotate(
            answered=Exists(SurveyParticipation.objects.filter(survey=OuterRef("pk"), user_id=user.pk))
        )
    return list(queryset)


def survey_for_train(train: Train, pk: int) -> Survey:
    """One survey of the train, with its questions (Survey.DoesNotExist otherwise)."""
    return _surveys().prefetch_related("questions").get(train=train, pk=pk)


def has_answered(survey: Survey, user) -> bool:
    return SurveyParticipation.objects.filter(survey=survey, user_id=user.pk).exists()


def waiting_for(train: Train, access: TrainAccess, user, today: date | None = None) -> list[Survey]:
    """The open surveys this person may answer and has not: what the notice asks them to do."""
    today = today or timezone.localdate()
    open_ones = Survey.objects.filter(train=train, closed_at__isnull=True, closes_on__gte=today)
    team_ids = access.team_ids(*TEAM_ROLES)
    open_ones = open_ones.filter(Q(team__isnull=True) | Q(team_id__in=team_ids)).exclude(
        participations__user_id=user.pk
    )
    candidates = open_ones.select_related("team").order_by("closes_on", "pk")
    return [survey for survey in candidates if can_answer_survey(access, survey)]


def results_of(surveys: list[Survey], today: date | None = None) -> dict[int, SurveyResult]:
    """Each survey's result, by survey id: three queries whatever the number of surveys."""
    today = today or timezone.localdate()
    ids = [survey.pk for survey in surveys]
    if not ids:
        return {}
    questions: dict[int, list[SurveyQuestion]] = defaultdict(list)
    for question in SurveyQuestion.objects.filter(survey_id__in=ids).order_by("survey_id", "position"):
        questions[question.survey_id].append(question)
    totals = {
        row["question_id"]: (row["total"], row["count"])
        for row in SurveyScore.objects.filter(question__survey_id__in=ids)
        .values("question_id")
        .annotate(total=Sum("score"), count=Count("id"))
        .order_by()
    }
    answers: dict[int, int] = defaultdict(int)
    comments: dict[int, list[str]] = defaultdict(list)
    for survey_id, comment in SurveyResponse.objects.filter(survey_id__in=ids).values_list(
        "survey_id", "comment"
    ):
        answers[survey_id] += 1
        comments[survey_id].append(comment)
    results = {}
    for survey in surveys:
        results[survey.pk] = survey_result(
            survey,
            questions=questions[survey.pk],
            answers=answers[survey.pk],
            closed=not survey.is_open_on(today),
            totals=totals,
            comments=comments[survey.pk],
        )
    return results


def result_of(survey: Survey, today: date | None = None) -> SurveyResult:
    return results_of([survey], today)[survey.pk]


def _event_order(survey: Survey) -> tuple:
    kinds = {kind: n for n, kind in enumerate(EVENT_SURVEY_KINDS)}
    iteration = survey.system_demo.iteration.number if survey.system_demo_id else 0
    return (survey.pi.start_date, kinds.get(survey.kind, 9), iteration, survey.pk)


@dataclass
class PiEventResults:
    """A PI's event surveys for the I&A review: PI Planning, each system demo, the I&A."""

    pi: ProgramIncrement
    results: list[SurveyResult]
    target: Fraction = EVENT_EFFECTIVENESS_TARGET

    @property
    def target_on_scale(self) -> float:
        return float(self.target) * 100 / SCALE_MAX


def pi_event_results(pi: ProgramIncrement, today: date | None = None) -> PiEventResults:
    surveys = sorted(_surveys().filter(pi=pi, kind__in=EVENT_SURVEY_KINDS), key=_event_order)
    results = results_of(surveys, today)
    return PiEventResults(pi=pi, results=[results[s.pk] for s in surveys])


# --- results over time, ready to chart -------------------------------------------------------------------


@dataclass
class TrendPoint:
    """One survey on a series: its label on the axis and its result (a figure or why none)."""

    label: str
    result: SurveyResult
    change: Fraction | None = None  # against the series' previous figure (team health)

    @property
    def trend(self) -> str:
        """Team health's KPI is "stable or improving": the move since the last pulse, in words (to
        the tenth the page shows)."""
        if self.change is None:
            return ""
        tenths = round(float(self.change) * 10)
        return "improving" if tenths > 0 else "declining" if tenths < 0 else "stable"


@dataclass
class TrendSeries:
    key: str
    label: str
    points: list[TrendPoint]
    target: Fraction | None = None
    # Team health: the points under the shared columns (SurveyTrends.team_columns), None where the
    # team had no pulse then.
    cells: list[TrendPoint | None] = field(default_factory=list)

    @property
    def target_on_scale(self) -> float | None:
        return None if self.target is None else float(self.target) * 100 / SCALE_MAX


@dataclass
class SurveyTrends:
    """Event effectiveness per event kind across PIs (against the 4.2 target) and team health per
    team across quarters (stable or improving), each a list of series of points in time order."""

    events: list[TrendSeries]
    teams: list[TrendSeries]
    team_columns: list[str] = field(default_factory=list)
    target: Fraction = EVENT_EFFECTIVENESS_TARGET
    min_answers: int = SURVEY_MIN_ANSWERS

    @property
    def empty(self) -> bool:
        return not any(series.points for series in [*self.events, *self.teams])


def _event_label(survey: Survey) -> str:
    if survey.system_demo_id:
        return f"{survey.pi.name} · {survey.system_demo.iteration.label}"
    return survey.pi.name


def _pulse_label(survey: Survey) -> str:
    """A pulse's place in time: the quarter it was opened in, and its PI."""
    return f"{quarter_of(timezone.localtime(survey.opened_at).date())} ({survey.pi.name})"


def survey_trends(train: Train, today: date | None = None) -> SurveyTrends:
    """The train's survey results over time: four queries, however many surveys."""
    surveys = list(_surveys().filter(train=train))
    results = results_of(surveys, today)
    events = []
    for kind in EVENT_SURVEY_KINDS:
        of_kind = sorted((s for s in surveys if s.kind == kind), key=_event_order)
        points = [TrendPoint(_event_label(s), results[s.pk]) for s in of_kind]
        events.append(TrendSeries(kind, Survey.Kind(kind).label, points, EVENT_EFFECTIVENESS_TARGET))
    pulses = sorted(
        (s for s in surveys if s.kind == Survey.Kind.TEAM_HEALTH),
        key=lambda s: (s.team.position, s.team.name, s.opened_at, s.pk),
    )
    teams: list[TrendSeries] = []
    for survey in pulses:
        if not teams or teams[-1].key != f"team-{survey.team_id}":
            teams.append(TrendSeries(f"team-{survey.team_id}", survey.team.name, []))
        series = teams[-1]
        result = results[survey.pk]
        previous = next((p.result.overall for p in reversed(series.points) if p.result.shown), None)
        change = result.overall - previous if result.shown and previous is not None else None
        series.points.append(TrendPoint(_pulse_label(survey), result, change))
    # The pulses' quarters, in time order, as the columns every team's row lines up under.
    columns = list(dict.fromkeys(_pulse_label(s) for s in sorted(pulses, key=lambda s: (s.opened_at, s.pk))))
    for series in teams:
        by_label = {point.label: point for point in series.points}
        series.cells = [by_label.get(column) for column in columns]
    return SurveyTrends(events=events, teams=teams, team_columns=columns)
