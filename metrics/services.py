"""Compute a PI's figures into snapshots, and keep track of which PIs need recomputing.

Snapshots: `pi_snapshot_compute` reads the PI's inputs, computes every figure (metrics/figures/)
and upserts one row per (PI, team, metric, day). A row whose figure did not change is not
touched, so running it twice changes nothing; the whole PI is written in one transaction, so a
worker killed half-way leaves the previous figures in place and the next run repairs them.

Recomputes: planning calls `pi_mark_changed` inside every plan change's transaction (and every
delivery event's, for the PIs whose dates hold it: the delivery figures are snapshots too). It bumps
the PI's change number (committed with the change, or rolled back with it) and, when a worker runs the
queue, claims the queue token (an atomic conditional UPDATE on `PIRecompute.queued_at`) and sends
one recompute a few seconds after the commit unless one is already queued, so a burst of board
moves costs a handful of recomputes. The task clears the token when it starts, so a change
during a run queues exactly one follow-up; the beat job `recompute_stale_pis` re-enqueues what a
lost message or a killed worker left stale, and a worker starting re-enqueues every stale PI at once
(`stale_pis_resume`), so figures catch up as soon as a crashed worker or broker is back.

The embedded default has no worker (CELERY_TASK_ALWAYS_EAGER): a countdown cannot defer anything
there, and recomputing inside every board move would make dragging a card as slow as a recompute
(and let a metrics error fail a move that has already committed). There the hook only marks the
PI stale; the dashboard recomputes a stale PI when it is opened, and "recompute now" runs at once,
through the same task and the same `.apply_async` as in production.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from planning.models import ProgramIncrement
from trains.models import WebhookEvent
from trains.webhooks.services import emit

from . import calculations as calc
from . import delivery_selectors, figures, selectors
from .models import PIRecompute, Snapshot

logger = logging.getLogger(__name__)

Metric = Snapshot.Metric

# A board move waits this long before its recompute runs, so the moves that follow share it.
COALESCE_SECONDS = 2
# A queued recompute not started after this long is taken for lost (a purged queue, a dead broker).
QUEUED_EXPIRY = timedelta(minutes=5)
# A run still "running" after this long is taken for dead (a killed worker).
RUNNING_EXPIRY = timedelta(minutes=10)
# After a failed run, the safety net waits this long before trying the PI again.
FAILURE_BACKOFF = timedelta(minutes=5)
# pg_advisory_xact_lock(class, id): the class keeps these locks apart from any other advisory lock.
ADVISORY_LOCK_CLASS = 0x6D657472  # "metr"


# --- snapshots -------------------------------------------------------------------------------------


def pi_snapshot_compute(
    *, pi: ProgramIncrement, day: date | None = None, as_of: datetime | None = None
) -> dict:
    """Compute and store the PI's figures for `day`; return the ART's headline values (JSON).

    `day` defaults to today, or the PI's last day once it has ended: a closed PI keeps one set of
    figures as at its end instead of a copy per day. The figures describe the end of `day`
    (`as_of`), counting what has been recorded so far, so recomputing on the same day with an
    unchanged plan gives the same rows.
    """
    tz = timezone.get_current_timezone()
    day = day or min(timezone.localdate(), pi.end_date)
    as_of = as_of or calc.day_end(day, tz)
    window = figures.make_window(start_date=pi.start_date, end_date=pi.end_date, day=day, as_of=as_of, tz=tz)
    with transaction.atomic():
        _serialize_recomputes(pi.pk)
        inputs = selectors.pi_metric_inputs(pi, window_start=window.start, as_of=as_of)
        delivery = delivery_selectors.pi_delivery_inputs(pi, window_start=window.start, as_of=as_of)
        rows = figures.pi_figures(inputs, window, delivery=delivery)
        written = _upsert(pi=pi, day=day, rows=rows, now=timezone.now())
    headline = {row.metric: row.value for row in rows if row.team_id is None}
    return {
        "pi": pi.pk,
        "day": day.isoformat(),
        "written": written,
        "predictability": headline[Metric.PREDICTABILITY],
        "flow_velocity": headline[Metric.FLOW_VELOCITY],
        "forecast": headline[Metric.FORECAST],
    }


def _serialize_recomputes(pi_id: int) -> None:
    """Hold a per-PI lock until the transaction ends, so two recomputes of one PI (a retry beside
    a slow run, two workers) never both insert the day's rows. An advisory lock rather than a row
    lock: the change hook writes PIRecompute during runs and must never wait for one. SQLite has
    one writer at a time; `_upsert` covers the insert race that remains there. Raw SQL: the ORM has no
    advisory locks."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ADVISORY_LOCK_CLASS, pi_id % 2**31])


def _as_stored(data: dict) -> dict:
    """The data as it reads back from the JSON column, so unchanged figures compare equal."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _upsert(*, pi: ProgramIncrement, day: date, rows: list[figures.Figure], now: datetime) -> int:
    """Write the day's rows in at most four queries; return how many were inserted or changed."""
    try:
        with transaction.atomic():
            return _upsert_rows(pi=pi, day=day, rows=rows, now=now)
    except IntegrityError:
        # Only reachable without the advisory lock (SQLite): a concurrent recompute inserted the
        # day's rows first. They exist now, so the second attempt updates them.
        return _upsert_rows(pi=pi, day=day, rows=rows, now=now)


def _upsert_rows(*, pi: ProgramIncrement, day: date, rows: list[figures.Figure], now: datetime) -> int:
    existing = {
        (snapshot.team_id, snapshot.metric): snapshot
        for snapshot in Snapshot.objects.filter(pi=pi, day=day).only(
            "pk", "team_id", "metric", "value", "data"
        )
    }
    changed, created = [], []
    for row in rows:
        data = _as_stored(row.data)
        snapshot = existing.pop((row.team_id, row.metric), None)
        if snapshot is None:
            created.append(
                Snapshot(
                    train_id=pi.train_id,
                    pi=pi,
                    team_id=row.team_id,
                    metric=row.metric,
                    day=day,
                    value=row.value,
                    data=data,
                    computed_at=now,
                )
            )
        elif snapshot.value != row.value or snapshot.data != data:
            snapshot.value, snapshot.data, snapshot.computed_at = row.value, data, now
            changed.append(snapshot)
    if changed:
        Snapshot.objects.bulk_update(changed, ["value", "data", "computed_at"])
    if created:
        Snapshot.objects.bulk_create(created)
    if existing:
        # Figures the computation no longer gives for that day (a metric retired): not kept as if current.
        Snapshot.objects.filter(pk__in=[snapshot.pk for snapshot in existing.values()]).delete()
    return len(changed) + len(created)


# --- recomputes ------------------------------------------------------------------------------------


def pi_mark_changed(pi_id: int) -> None:
    """planning's "this PI's plan changed" hook, run inside the change's transaction (planning/hooks.py)."""
    now = timezone.now()
    _note_change(pi_id, now)
    if _a_worker_runs_the_queue() and _claim_queue(pi_id, now):
        transaction.on_commit(lambda: _send_after_change(pi_id))


def _send_after_change(pi_id: int) -> None:
    try:
        _send(pi_id, COALESCE_SECONDS)
    except BrokerError:
        # The move itself has committed and must not fail for its figures: the PI stays stale
        # and the safety net enqueues it when the broker is back.
        logger.warning(
            "Broker unreachable: PI %s stays stale until the next recompute.", pi_id, exc_info=True
        )


def pi_request_recompute(*, pi_id: int, note_change: bool = True) -> int:
    """Ask for a recompute now: the "recompute now" button, a stale dashboard, the nightly run.

    With `note_change` the request counts as a change, so a run that started before it does not
    answer it. Returns the change number the figures will cover once the request is answered.
    Raises kombu's OperationalError when the broker is unreachable.
    """
    now = timezone.now()
    if note_change:
        _note_change(pi_id, now)
    else:
        PIRecompute.objects.get_or_create(pi_id=pi_id)
    _enqueue_once(pi_id, now, countdown=0)
    return PIRecompute.objects.values_list("change_seq", flat=True).get(pi_id=pi_id)


def pi_refresh_if_stale(*, pi: ProgramIncrement) -> PIRecompute | None:
    """When the dashboard opens a PI whose figures are missing or behind its plan, queue a recompute
    (coalesced with any already queued); in the embedded default it runs before the page renders.
    Returns the PI's recompute state as it then stands."""
    state = selectors.recompute_state(pi)
    never_computed = not Snapshot.objects.filter(pi=pi).exists()
    if never_computed or (state is not None and state.is_stale):
        # Never computed counts as a change, so the page waits for the first figures.
        pi_request_recompute(pi_id=pi.pk, note_change=never_computed)
        state = selectors.recompute_state(pi)
    return state


def pi_recompute(*, pi_id: int) -> dict | None:
    """The recompute task's work: snapshots, then the bookkeeping that ends the PI's staleness."""
    pi = ProgramIncrement.objects.filter(pk=pi_id).first()
    if pi is None:
        return None  # deleted since it was queued: nothing to compute
    covers = _start_run(pi_id)
    try:
        result = pi_snapshot_compute(pi=pi)
    except Exception as exc:
        PIRecompute.objects.filter(pi_id=pi_id).update(
            running_since=None, last_error=f"{type(exc).__name__}: {exc}"[:300], last_error_at=timezone.now()
        )
        raise
    PIRecompute.objects.filter(pi_id=pi_id).update(
        running_since=None,
        last_computed_at=timezone.now(),
        computed_seq=Greatest(F("computed_seq"), Value(covers)),
        runs=F("runs") + 1,
        last_error="",
        last_error_at=None,
    )
    # Fresh only if nothing changed since the run read its change number.
    PIRecompute.objects.filter(pi_id=pi_id, change_seq=covers).update(stale_since=None)
    emit(train=pi.train, event=WebhookEvent.METRICS_RECOMPUTED, data={"pi": {"id": pi.pk, "name": pi.name}})
    return {**result, "covers_change": covers}


def pis_needing_recompute(now: datetime | None = None) -> list[int]:
    """Stale PIs with no recompute queued or running (or one long lost), and no recent failure."""
    now = now or timezone.now()
    return list(
        PIRecompute.objects.filter(change_seq__gt=F("computed_seq"))
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=now - QUEUED_EXPIRY))
        .filter(Q(running_since__isnull=True) | Q(running_since__lt=now - RUNNING_EXPIRY))
        .filter(Q(last_error_at__isnull=True) | Q(last_error_at__lt=now - FAILURE_BACKOFF))
        .order_by("pi_id")
        .values_list("pi_id", flat=True)
    )


def stale_pis_enqueue() -> list[int]:
    """The safety net (beat): enqueue a recompute for every PI left stale; returns those enqueued."""
    now = timezone.now()
    return [pi_id for pi_id in pis_needing_recompute(now) if _enqueue_once(pi_id, now, countdown=0)]


def stale_pis_resume() -> list[int]:
    """A worker has started: enqueue a recompute for every stale PI, whatever its marks say.

    A worker starting is often one coming back from a crash, and the broker may have restarted
    meanwhile: a recompute marked queued may have been lost with the broker's messages, one marked
    running with the worker that ran it. The safety net trusts those marks for QUEUED_EXPIRY and
    RUNNING_EXPIRY, and a board move does not queue over them, so the figures would stay behind the
    plan for minutes. Here they are taken for lost. With other workers alive, a recompute may so run
    twice, which changes nothing (upsert, advisory lock). A PI that failed lately keeps its backoff.
    """
    now = timezone.now()
    pi_ids = list(
        PIRecompute.objects.filter(change_seq__gt=F("computed_seq"))
        .filter(Q(last_error_at__isnull=True) | Q(last_error_at__lt=now - FAILURE_BACKOFF))
        .order_by("pi_id")
        .values_list("pi_id", flat=True)
    )
    for pi_id in pi_ids:
        PIRecompute.objects.filter(pi_id=pi_id).update(queued_at=now)
        transaction.on_commit(lambda pi_id=pi_id: _send(pi_id, 0))
    return pi_ids


def _note_change(pi_id: int, now: datetime) -> None:
    """Count a change of the PI's plan; the PI's first change creates its row."""
    changed = {"change_seq": F("change_seq") + 1, "stale_since": Coalesce("stale_since", Value(now))}
    if not PIRecompute.objects.filter(pi_id=pi_id).update(**changed):
        PIRecompute.objects.get_or_create(pi_id=pi_id)
        PIRecompute.objects.filter(pi_id=pi_id).update(**changed)


def _enqueue_once(pi_id: int, now: datetime, *, countdown: int) -> bool:
    """Enqueue a recompute unless one is already queued; True when this call enqueued it."""
    claimed = _claim_queue(pi_id, now)
    if claimed:
        transaction.on_commit(lambda: _send(pi_id, countdown))
    return claimed


def _claim_queue(pi_id: int, now: datetime) -> bool:
    """Take the queue token unless a recompute is already queued (and not long lost)."""
    return bool(
        PIRecompute.objects.filter(pi_id=pi_id)
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=now - QUEUED_EXPIRY))
        .update(queued_at=now)
    )


def _send(pi_id: int, countdown: int) -> None:
    """Send the claimed recompute; raises kombu's OperationalError when the broker is unreachable."""
    from .tasks import recompute_pi  # tasks call these services; imported here to keep one direction

    try:
        recompute_pi.apply_async((pi_id,), countdown=countdown)
    except BrokerError:
        # Nothing was queued: hand the token back, or every request and the safety net would take
        # the PI for queued until QUEUED_EXPIRY, and "recompute now" would wait that long.
        PIRecompute.objects.filter(pi_id=pi_id).update(queued_at=None)
        raise


def _a_worker_runs_the_queue() -> bool:
    from .tasks import recompute_pi

    return not recompute_pi.app.conf.task_always_eager


def _start_run(pi_id: int) -> int:
    """Take the queued token off (a change from now on queues a follow-up) and return the change
    number this run covers: it is read before any input, so every change up to it is seen."""
    with transaction.atomic():
        state, _ = PIRecompute.objects.select_for_update().get_or_create(pi_id=pi_id)
        state.queued_at, state.running_since = None, timezone.now()
        state.save(update_fields=["queued_at", "running_since"])
        return state.change_seq
