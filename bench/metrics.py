"""Metrics benchmark (issue 6: the metrics engine).

Builds, deterministically and once (reused on later runs, rebuilt if its shape changed), a large
train (12 teams × 6 iterations, 18 PIs of 400 features each with stories, state history, blocked
periods, impediments, dependencies, objectives, votes and capacities) and a small one (12 teams, one
PI of 10 features). Then measures:

- metrics_queries_pi: queries of one PI recompute, for the large PI and the small one (must be equal);
- metrics_s_18pis: seconds to recompute the 18 PIs of the large train, warm (a pass beforehand);
- metrics_ratio: median time of a PI recompute after a board change against the median time of the
  bare aggregate SQL reading the same inputs (the floor), interleaved in the same run.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as clock

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from metrics.models import Snapshot
from metrics.services import pi_snapshot_compute
from planning.models import (
    ConfidenceVote,
    Dependency,
    Feature,
    FeatureBlockedPeriod,
    FeatureStateChange,
    Iteration,
    PIObjective,
    ProgramIncrement,
    Story,
    TeamCapacity,
    VoteRound,
)
from risks.models import Impediment, ImprovementItem
from trains.models import Team, Train

SHAPE = "metrics-bench v1: 12 teams x 6 iterations, 18 PIs x 400 features"
LARGE, SMALL = "bench-metrics-large", "bench-metrics-small"
TEAMS, ITERATIONS, ITERATION_DAYS = 12, 6, 14
PIS, FEATURES = 18, 400
RUNS = 7
KINDS = ["feature"] * 6 + ["enabler"] * 2 + ["defect", "debt"]
KANBAN = ["analyzing", "backlog", "implementing", "validating", "done"]
VOTERS = 5  # per team, who also vote on the ART's plan


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, clock(hour), tzinfo=timezone.get_current_timezone())


def _say(message: str) -> None:
    print(f"bench.metrics: {message}", file=sys.stderr, flush=True)


# --- the trains --------------------------------------------------------------------------------


def _train(slug: str, pis: int, features: int) -> Train:
    """The bench train of that shape, built once; rebuilt if an older build has another shape."""
    shape = f"{SHAPE} ({slug}: {pis} PIs of {features} features)"
    train = Train.objects.filter(slug=slug).first()
    if train is not None and train.description == shape:
        return train
    if train is not None:
        train.delete()
    started = time.perf_counter()
    rng = random.Random(slug)
    with transaction.atomic():
        train = Train.objects.create(
            name=f"Bench {slug}", slug=slug, description=shape, iterations_per_pi=ITERATIONS
        )
        teams = Team.objects.bulk_create(
            Team(train=train, name=f"Team {n:02d}", position=n) for n in range(TEAMS)
        )
        users = _voters(slug)
        length = ITERATIONS * ITERATION_DAYS
        # The last PI is executing, four weeks in; the others closed, back to back before it.
        last_start = timezone.localdate() - timedelta(days=30)
        for index in range(pis):
            start = last_start - timedelta(days=length * (pis - 1 - index))
            state = ProgramIncrement.State.EXECUTING if index == pis - 1 else ProgramIncrement.State.CLOSED
            _pi(rng, train, teams, users, f"PI {index + 1}", start, state, features)
    _say(f"built {slug} in {time.perf_counter() - started:.1f}s")
    return train


def _voters(slug: str) -> list:
    User = get_user_model()
    names = [f"{slug}-voter-{n:03d}" for n in range(TEAMS * VOTERS)]
    User.objects.bulk_create([User(username=name) for name in names], ignore_conflicts=True)
    return list(User.objects.filter(username__in=names).order_by("username"))


def _pi(rng, train, teams, users, name: str, start: date, state: str, features: int) -> None:
    pi = ProgramIncrement.objects.create(
        train=train,
        name=name,
        start_date=start,
        end_date=start + timedelta(days=ITERATIONS * ITERATION_DAYS - 1),
        state=state,
    )
    iterations = Iteration.objects.bulk_create(
        Iteration(
            pi=pi,
            number=n + 1,
            start_date=start + timedelta(days=ITERATION_DAYS * n),
            end_date=start + timedelta(days=ITERATION_DAYS * (n + 1) - 1),
            is_ip=n == ITERATIONS - 1,
        )
        for n in range(ITERATIONS)
    )
    horizon = min(pi.end_date, timezone.localdate())
    TeamCapacity.objects.bulk_create(
        TeamCapacity(team=team, iteration=it, fte=rng.choice([5, 6, 7, 8]), days_off=rng.randint(0, 6))
        for team in teams
        for it in iterations
    )

    # Features through the Kanban, each with its recorded history and stories.
    plans = []
    for n in range(features):
        team = teams[n % TEAMS]
        planned = rng.random() > 0.05
        iteration = iterations[rng.randrange(ITERATIONS - 1)] if planned else None
        begin = (iteration.start_date if iteration else start) - timedelta(days=rng.randint(0, 10))
        begin = max(begin, start)
        flow_days = rng.randint(3, 30)
        reached = rng.choice(KANBAN[2:]) if begin < horizon else rng.choice(KANBAN[:2])
        done_day = begin + timedelta(days=flow_days)
        if reached == "done" and done_day >= horizon:
            reached = "validating"
        plans.append((team, planned, iteration, begin, done_day, reached))
    rows = Feature.objects.bulk_create(
        Feature(
            train=train,
            pi=pi,
            team=team if planned else None,
            iteration=iteration,
            title=f"{name} feature {n:03d}",
            kind=rng.choice(KINDS),
            state=reached,
            started_at=_at(begin, 9) if reached in KANBAN[2:] else None,
            done_at=_at(done_day, 16) if reached == "done" else None,
            state_changed_at=_at(begin, 9),
        )
        for n, (team, planned, iteration, begin, done_day, reached) in enumerate(plans)
    )
    changes, stories, blocked = [], [], []
    for feature, (team, _planned, iteration, begin, done_day, reached) in zip(rows, plans, strict=True):
        path = KANBAN[: KANBAN.index(reached) + 1]
        moments = [_at(start - timedelta(days=20), 9), _at(start - timedelta(days=5), 9), _at(begin, 9)]
        moments += [_at(done_day - timedelta(days=2), 12), _at(done_day, 16)]
        previous = "funnel"
        for state, moment in zip(path, moments, strict=False):
            changes.append(
                FeatureStateChange(feature=feature, from_state=previous, to_state=state, changed_at=moment)
            )
            previous = state
        for k in range(3):
            done = reached == "done" or (k == 0 and reached != "analyzing" and begin < horizon)
            stories.append(
                Story(
                    team=team,
                    feature=feature,
                    iteration=iteration,
                    title=f"{feature.title} story {k}",
                    points=rng.choice([1, 2, 3, 5, 8]),
                    state="done" if done else "todo",
                    done_at=_at(min(done_day, horizon - timedelta(days=1)), 12) if done else None,
                )
            )
        if reached in KANBAN[2:] and rng.random() < 0.2:
            block = begin + timedelta(days=1)
            blocked.append(
                FeatureBlockedPeriod(
                    feature=feature,
                    started_at=_at(block, 11),
                    ended_at=_at(block + timedelta(days=rng.randint(1, 5)), 15),
                )
            )
    FeatureStateChange.objects.bulk_create(changes)
    Story.objects.bulk_create(stories)
    FeatureBlockedPeriod.objects.bulk_create(blocked)

    # Objectives with business value, votes, dependencies, impediments, improvement items.
    objectives = PIObjective.objects.bulk_create(
        PIObjective(
            pi=pi,
            team=team,
            text=f"{team.name} outcome {k}",
            is_committed=k < 3,
            planned_business_value=rng.randint(3, 10),
            actual_business_value=rng.randint(0, 10) if state == ProgramIncrement.State.CLOSED else None,
            position=k,
        )
        for team in teams
        for k in range(4)
    )
    by_team: dict[int, list[Feature]] = {}
    for feature in rows:
        by_team.setdefault(feature.team_id, []).append(feature)

    def feature_of(team_id: int, index: int) -> Feature | None:
        """The team's index-th feature, if it has that many (the small train has 10 features for 12 teams)."""
        features = by_team.get(team_id, [])
        return features[index] if -len(features) <= index < len(features) else None

    PIObjective.features.through.objects.bulk_create(
        PIObjective.features.through(piobjective_id=objective.pk, feature_id=feature.pk)
        for objective in objectives
        if (feature := feature_of(objective.team_id, objective.position)) is not None
    )
    # The vote closing PI Planning: one round per team and one for the ART.
    voted = _at(start - timedelta(days=1), 15)
    team_rounds = VoteRound.objects.bulk_create(
        VoteRound(pi=pi, team=team, opened_at=voted, closed_at=voted + timedelta(minutes=10))
        for team in teams
    )
    art_round = VoteRound.objects.create(
        pi=pi, team=None, opened_at=voted, closed_at=voted + timedelta(minutes=10)
    )
    ConfidenceVote.objects.bulk_create(
        [
            ConfidenceVote(
                round=team_rounds[t], voter=users[t * VOTERS + v], score=rng.choice([2, 3, 4, 4, 5])
            )
            for t in range(len(teams))
            for v in range(VOTERS)
        ]
        + [ConfidenceVote(round=art_round, voter=user, score=rng.choice([3, 4, 4, 5])) for user in users]
    )
    Dependency.objects.bulk_create(
        Dependency(
            pi=pi,
            requesting_team=teams[n % TEAMS],
            providing_team=teams[(n + 1 + n // TEAMS) % TEAMS],
            requesting_feature=feature_of(teams[n % TEAMS].pk, n // TEAMS),
            needed_by_iteration=iterations[n % (ITERATIONS - 1)],
            description=f"{name} dependency {n}",
            state="delivered" if state == ProgramIncrement.State.CLOSED or n % 3 else "committed",
            created_at=_at(start - timedelta(days=3)),
            resolved_at=_at(min(start + timedelta(days=10 + n % 40), horizon))
            if state == ProgramIncrement.State.CLOSED or n % 3
            else None,
        )
        for n in range(40)
    )
    impediments = Impediment.objects.bulk_create(
        Impediment(
            train=train,
            team=teams[n % TEAMS],
            title=f"{name} impediment {n}",
            raised_at=_at(start + timedelta(days=3 * n)),
            status="resolved" if start + timedelta(days=3 * n + 6) < horizon else "open",
            resolved_at=_at(start + timedelta(days=3 * n + 6))
            if start + timedelta(days=3 * n + 6) < horizon
            else None,
        )
        for n in range(20)
        if start + timedelta(days=3 * n) < horizon
    )
    Impediment.blocked_features.through.objects.bulk_create(
        Impediment.blocked_features.through(impediment_id=imp.pk, feature_id=feature.pk)
        for n, imp in enumerate(impediments)
        if (feature := feature_of(imp.team_id, -1 - n)) is not None
    )
    previous_pi = (
        ProgramIncrement.objects.filter(train=train, start_date__lt=start).order_by("-start_date").first()
    )
    if previous_pi is not None:
        ImprovementItem.objects.bulk_create(
            ImprovementItem(
                train=train,
                source_pi=previous_pi,
                target_pi=pi,
                title=f"{name} improvement {n}",
                status="done" if n % 2 else "planned",
                done_at=_at(start + timedelta(days=20)) if n % 2 else None,
                created_at=_at(start - timedelta(days=2)),
            )
            for n in range(5)
        )


# --- the floor: the same inputs, aggregated by the database alone ----------------------------------

FLOOR_SQL = [
    # features by team, state and kind, with their flow times
    """SELECT team_id, state, kind, count(*), avg(extract(epoch FROM done_at - started_at))
       FROM planning_feature WHERE pi_id = %(pi)s GROUP BY 1, 2, 3""",
    # state changes per state and day (cumulative flow)
    """SELECT c.to_state, date_trunc('day', c.changed_at), count(*)
       FROM planning_featurestatechange c JOIN planning_feature f ON f.id = c.feature_id
       WHERE f.pi_id = %(pi)s GROUP BY 1, 2""",
    # blocked time per feature: flag periods and impediments
    """SELECT b.feature_id, sum(extract(epoch FROM coalesce(b.ended_at, now()) - b.started_at))
       FROM planning_featureblockedperiod b JOIN planning_feature f ON f.id = b.feature_id
       WHERE f.pi_id = %(pi)s GROUP BY 1""",
    """SELECT l.feature_id, sum(extract(epoch FROM coalesce(i.resolved_at, now()) - i.raised_at))
       FROM risks_impediment_blocked_features l JOIN risks_impediment i ON i.id = l.impediment_id
       JOIN planning_feature f ON f.id = l.feature_id WHERE f.pi_id = %(pi)s GROUP BY 1""",
    # story points planned and done per team and iteration (load, carry-over, burn-up)
    """SELECT s.team_id, s.iteration_id, sum(s.points), sum(s.points) FILTER (WHERE s.done_at IS NOT NULL)
       FROM planning_story s LEFT JOIN planning_iteration i ON i.id = s.iteration_id
       LEFT JOIN planning_feature f ON f.id = s.feature_id
       WHERE i.pi_id = %(pi)s OR f.pi_id = %(pi)s GROUP BY 1, 2""",
    """SELECT c.team_id, c.iteration_id, sum(8 * c.fte - c.days_off)
       FROM planning_teamcapacity c JOIN planning_iteration i ON i.id = c.iteration_id
       WHERE i.pi_id = %(pi)s GROUP BY 1, 2""",
    # business value, votes, committed links
    """SELECT team_id, sum(actual_business_value), sum(planned_business_value) FILTER (WHERE is_committed)
       FROM planning_piobjective WHERE pi_id = %(pi)s GROUP BY 1""",
    """SELECT l.feature_id, bool_or(o.is_committed) FROM planning_piobjective_features l
       JOIN planning_piobjective o ON o.id = l.piobjective_id WHERE o.pi_id = %(pi)s GROUP BY 1""",
    """SELECT r.team_id, r.number, avg(v.score), count(*) FROM planning_confidencevote v
       JOIN planning_voteround r ON r.id = v.round_id WHERE r.pi_id = %(pi)s GROUP BY 1, 2""",
    # dependencies, impediments, improvements
    """SELECT requesting_team_id, state, count(*), min(created_at) FROM planning_dependency
       WHERE pi_id = %(pi)s AND resolved_at IS NULL GROUP BY 1, 2""",
    """SELECT team_id, count(*), avg(extract(epoch FROM resolved_at - raised_at)) FROM risks_impediment
       WHERE train_id = %(train)s AND raised_at < %(until)s AND (resolved_at IS NULL OR resolved_at >= %(since)s)
       GROUP BY 1""",
    """SELECT status, count(*) FROM risks_improvementitem WHERE target_pi_id = %(pi)s GROUP BY 1""",
    # throughput per iteration of the three PIs before (the forecast's history)
    """SELECT i.id, count(f.id) FROM planning_iteration i
       JOIN planning_programincrement p ON p.id = i.pi_id
       LEFT JOIN planning_feature f ON f.train_id = p.train_id
            AND f.done_at >= i.start_date AND f.done_at < i.end_date + 1
       WHERE p.id IN (SELECT id FROM planning_programincrement WHERE train_id = %(train)s
                      AND start_date < %(start)s ORDER BY start_date DESC LIMIT 3)
       GROUP BY 1""",
]


def _floor(pi: ProgramIncrement) -> None:
    params = {
        "pi": pi.pk,
        "train": pi.train_id,
        "start": pi.start_date,
        "since": _at(pi.start_date, 0),
        "until": _at(pi.end_date + timedelta(days=1), 0),
    }
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in FLOOR_SQL:
            cursor.execute(sql, params)
            cursor.fetchall()


# --- measurements ------------------------------------------------------------------------------


def _queries_of_one_recompute(pi: ProgramIncrement) -> int:
    """Queries of a recompute that writes the day's rows afresh (the insert path)."""
    Snapshot.objects.filter(pi=pi).delete()
    with CaptureQueriesContext(connection) as queries:
        pi_snapshot_compute(pi=pi)
    return len(queries)


def _board_change(pi: ProgramIncrement, n: int) -> None:
    """Move one done feature to another team, as a board move would (figures of two teams change)."""
    feature = Feature.objects.filter(pi=pi, state="done").order_by("pk").first()
    teams = list(Team.objects.filter(train_id=pi.train_id).order_by("position").values_list("pk", flat=True))
    Feature.objects.filter(pk=feature.pk).update(team_id=teams[n % len(teams)])


def run() -> dict:
    large = _train(LARGE, PIS, FEATURES)
    small = _train(SMALL, 1, 10)
    pis = list(ProgramIncrement.objects.filter(train=large).order_by("start_date"))
    executing = pis[-1]
    small_pi = ProgramIncrement.objects.get(train=small)

    queries_large = _queries_of_one_recompute(executing)
    queries_small = _queries_of_one_recompute(small_pi)

    # 18 PIs, warm: one untimed pass, then the timed one writing every PI's figures afresh.
    for pi in pis:
        pi_snapshot_compute(pi=pi)
    Snapshot.objects.filter(train=large).delete()
    started = time.perf_counter()
    for pi in pis:
        pi_snapshot_compute(pi=pi)
    seconds_18 = time.perf_counter() - started

    # Recompute after a board change against the floor, interleaved.
    recompute_times, floor_times = [], []
    for n in range(RUNS):
        started = time.perf_counter()
        _floor(executing)
        floor_times.append(time.perf_counter() - started)
        _board_change(executing, n)
        started = time.perf_counter()
        pi_snapshot_compute(pi=executing)
        recompute_times.append(time.perf_counter() - started)
    recompute_median, floor_median = statistics.median(recompute_times), statistics.median(floor_times)

    counts = {
        "features": Feature.objects.filter(pi=executing).count(),
        "stories": Story.objects.filter(feature__pi=executing).count(),
        "state_changes": FeatureStateChange.objects.filter(feature__pi=executing).count(),
        "snapshot_rows": Snapshot.objects.filter(pi=executing, day=timezone.localdate()).count(),
    }
    return {
        "metrics_queries_pi": queries_large,
        "metrics_queries_pi_small": queries_small,
        "metrics_queries_pi_features": {
            "large": counts["features"],
            "small": Feature.objects.filter(pi=small_pi).count(),
        },
        "metrics_s_18pis": round(seconds_18, 3),
        "metrics_pi_recompute_ms": round(recompute_median * 1000, 1),
        "metrics_floor_sql_ms": round(floor_median * 1000, 1),
        "metrics_ratio": round(recompute_median / floor_median, 2),
        "metrics_large_pi": counts,
    }
