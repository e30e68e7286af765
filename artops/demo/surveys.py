"""The demo's surveys: after PI Planning and the I&A of every PI run so far, after some system demos,
and each team's health pulse once a PI (the train's quarter), answered by the demo's people through
the survey service, so who answered is recorded as it is in the product and the answers are not.

The results tell a story an RTE would recognise: most events at or above the 4.2 target, PI 24's
PI Planning (the train's first on the new cadence) below it; team health between about 3.6 and
4.5; one pulse with only two answers, which therefore shows no result; and the executing PI's
latest system demo survey still open, with the RTE yet to answer it.
"""

from __future__ import annotations

from datetime import date, timedelta

from planning.models import ProgramIncrement
from risks.models import Survey, SystemDemo
from risks.services.surveys import survey_answer, survey_open
from trains.models import Membership

from .common import Build, DemoTrain, at

COMMENTS = {
    Survey.Kind.PI_PLANNING: [
        "Clearer business context up front would have saved us an hour of guessing.",
        "The dependency wall worked well; the red strings got real attention.",
        "Too much time on slides, too little on the actual plan.",
        "Good energy in the room. Please keep the breakouts time-boxed.",
        "The confidence vote felt honest this time.",
    ],
    Survey.Kind.SYSTEM_DEMO: [
        "Seeing the integrated increment end to end was the highlight.",
        "Remote participants could barely follow the demo.",
        "More time for questions from the Business Owners, please.",
        "Fewer features, shown properly, would beat a rushed tour.",
    ],
    Survey.Kind.INSPECT_ADAPT: [
        "The problem-solving workshop finally got past symptoms.",
        "The improvement items from last time actually got done: that matters.",
        "We need the architecture runway talk earlier, before the breakouts.",
        "The predictability chart started a good conversation.",
    ],
    Survey.Kind.TEAM_HEALTH: [
        "Hard to stay sustainable with the current on-call load.",
        "Great collaboration with the platform team this quarter.",
        "Context switching between two features at once is wearing us down.",
        "Retros lead to real changes now.",
    ],
}

# How each event went, as the mean the answers gather around (before rounding to the 1–5 scale).
EVENT_MOOD = {Survey.Kind.PI_PLANNING: 4.55, Survey.Kind.SYSTEM_DEMO: 4.6, Survey.Kind.INSPECT_ADAPT: 4.6}
FIRST_PI_PLANNING_MOOD = 4.0  # PI 24's PI Planning: the one event below the target


def surveys(build: Build, demo: DemoTrain) -> None:
    rng = build.rng
    rte = demo.users["rte"]
    # Everyone taking part in the events answers them: every role but the viewer.
    participants = [user for name, user in demo.users.items() if name != "viewer"]
    run = [pi for pi in demo.pis if pi.state != ProgramIncrement.State.DRAFT]
    for n, pi in enumerate(run):
        closed = pi.state == ProgramIncrement.State.CLOSED
        mood = FIRST_PI_PLANNING_MOOD if n == 0 else EVENT_MOOD[Survey.Kind.PI_PLANNING]
        planning = _open(demo, Survey.Kind.PI_PLANNING, pi, pi.start_date)
        _answers(build, planning, rng.sample(participants, rng.randint(10, 15)), mood, pi.start_date)
        demos = list(
            SystemDemo.objects.filter(iteration__pi=pi, held_on__lt=build.today).select_related("iteration")
        )
        demos.sort(key=lambda d: d.iteration.number)
        # A survey after some demos: every other one in a past PI, each held so far in the running one.
        chosen = demos[1::2] if closed else demos
        for system_demo in chosen:
            still_open = not closed and system_demo is chosen[-1]
            closes_on = build.today + timedelta(days=3) if still_open else None
            survey = _open(
                demo, Survey.Kind.SYSTEM_DEMO, pi, system_demo.held_on, closes_on, system_demo=system_demo
            )
            people = [user for user in participants if not (still_open and user == rte)]
            count = rng.randint(4, 6) if still_open else rng.randint(8, 12)
            _answers(
                build,
                survey,
                rng.sample(people, count),
                EVENT_MOOD[Survey.Kind.SYSTEM_DEMO],
                system_demo.held_on,
            )
        if closed:
            ia_day = pi.end_date - timedelta(days=3)
            survey = _open(demo, Survey.Kind.INSPECT_ADAPT, pi, ia_day)
            _answers(
                build,
                survey,
                rng.sample(participants, rng.randint(10, 15)),
                EVENT_MOOD[Survey.Kind.INSPECT_ADAPT],
                ia_day,
            )
        _pulses(build, demo, pi, short_team="Comet" if n == 1 else None)


def _open(demo: DemoTrain, kind: str, pi, day: date, closes_on: date | None = None, **event) -> Survey:
    """Opened by the RTE on the event's day, for a week unless `closes_on` says otherwise."""
    return survey_open(
        train=demo.train,
        kind=kind,
        pi=pi,
        actor=demo.users["rte"],
        closes_on=closes_on or day + timedelta(days=7),
        today=day,
        at=at(day, 16),
        **event,
    )


def _pulses(build: Build, demo: DemoTrain, pi, *, short_team: str | None) -> None:
    """Each team's health pulse, half-way through the PI (a week before today in the running one)."""
    rng = build.rng
    day = min(pi.start_date + timedelta(days=42), build.today - timedelta(days=8))
    for team in demo.teams:
        survey = _open(demo, Survey.Kind.TEAM_HEALTH, pi, day, team=team)
        members = [
            m.user
            for m in Membership.objects.filter(team=team).select_related("user").order_by("user__username")
        ]
        answering = (
            rng.sample(members, 2) if team.name == short_team else [u for u in members if rng.random() < 0.9]
        )
        if len(answering) < 3 and team.name != short_team:
            answering = members
        _answers(build, survey, answering, rng.uniform(3.8, 4.4), day)


def _answers(build: Build, survey: Survey, people: list, mood: float, day: date) -> None:
    """Each person scores every question around the survey's mood, on the 1–5 scale."""
    rng = build.rng
    questions = list(survey.questions.order_by("position"))
    # Each comment at most once per survey: nobody writes the same sentence twice.
    comments = rng.sample(COMMENTS[survey.kind], len(COMMENTS[survey.kind]))
    for n, person in enumerate(people):
        scores = {q.pk: min(5, max(1, round(mood + rng.gauss(0, 0.6)))) for q in questions}
        comment = comments.pop() if comments and rng.random() < 0.3 else ""
        survey_answer(
            survey=survey, actor=person, scores=scores, comment=comment, today=day + timedelta(days=n % 5)
        )
