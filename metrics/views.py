"""The metrics dashboard: stored snapshots drawn as SVG charts, and "recompute now".

Figures are never computed in the request for a worker-backed deployment: a stale PI is queued
and the page polls until the worker is done. In the embedded default (no worker) the same task
runs in-process before the page renders (see metrics/services.py).
"""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from kombu.exceptions import OperationalError as BrokerError

from planning.models import ProgramIncrement
from planning.selectors.pis import pi_with_latest_results
from risks.selectors.surveys import survey_trends
from trains.access import TrainAccess
from trains.http import HtmxHttpRequest
from trains.limits import whole_number
from trains.models import Train
from trains.selectors import train_for_user

from . import dashboard as board
from . import selectors, services
from .figures.delivery import DELIVERY_METRICS
from .models import PIRecompute, Snapshot

logger = logging.getLogger(__name__)
TEMPLATE = "metrics/dashboard.html"


def _get_pi_for_user(
    user, slug: str, pi_id: int | None
) -> tuple[Train, TrainAccess, list, ProgramIncrement | None]:
    """The train, the user's access, its PIs and the PI asked for (or the default one); 404 for
    anyone without a role on the train and for another train's PI. Anyone with a role may look and
    ask for a recompute: recomputing changes no plan."""
    train, access = train_for_user(user, slug)
    pis = selectors.dashboard_pis(train)
    # A train without PIs still has its (empty) dashboard, not a 404.
    pi = pi_with_latest_results(pi_id, pis) if pis or pi_id else None
    return train, access, pis, pi


def _figures_context(train: Train, pi: ProgramIncrement | None) -> dict:
    snapshots = selectors.latest_pi_snapshots(pi) if pi else {}
    # One query for every chart across PIs: the flow cards' and the Delivery section's.
    across = list(
        selectors.latest_snapshots_across_pis(
            train, [Snapshot.Metric.PREDICTABILITY, Snapshot.Metric.FLOW_VELOCITY, *DELIVERY_METRICS]
        )
    )
    return {
        "pi_board": board.pi_dashboard(pi, snapshots) if pi else None,
        "across": board.across_pis(across),
        "delivery": board.delivery_section(pi, snapshots, across) if pi else None,
        "survey_trends": survey_trends(train),
    }


def _status_context(pi: ProgramIncrement, state: PIRecompute | None, covers: int | None) -> dict:
    """The recompute status line: polling while the figures do not cover change `covers` yet."""
    if state is None or covers is None:
        return {"pi": pi, "state": state, "phase": "idle"}
    if state.computed_seq >= covers:
        phase = "done"
    elif state.last_error_at and not state.running_since and not state.queued_at:
        phase = "failed"
    else:
        phase = "running" if state.running_since else "queued"
    return {"pi": pi, "state": state, "phase": phase, "covers": covers}


@login_required
@require_GET
def dashboard(request: HtmxHttpRequest, slug: str, pi_id: int | None = None) -> HttpResponse:
    train, access, pis, pi = _get_pi_for_user(request.user, slug, pi_id)
    queue_error, state = False, None
    if pi is not None:
        try:
            state = services.pi_refresh_if_stale(pi=pi)
        except BrokerError:
            logger.warning("Broker unreachable: showing %s's last figures.", pi, exc_info=True)
            queue_error, state = True, selectors.recompute_state(pi)
    # Figures behind the plan (a worker is on it): poll until they cover the latest change.
    covers = state.change_seq if state and state.is_stale else None
    return render(
        request,
        TEMPLATE,
        {
            "train": train,
            "access": access,
            "nav": "metrics",
            "pis": pis,
            "pi": pi,
            "queue_error": queue_error,
            **_figures_context(train, pi),
            **_status_context(pi, state, covers),
        },
    )


@login_required
@require_POST
def recompute(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    train, _access, _pis, pi = _get_pi_for_user(request.user, slug, pi_id)
    try:
        covers = services.pi_request_recompute(pi_id=pi.pk)
    except BrokerError:
        logger.warning("Broker unreachable: could not queue a recompute of %s.", pi, exc_info=True)
        if not request.htmx:  # a plain form post: back to the dashboard, with the reason on it
            messages.error(request, "The task queue cannot be reached: try again in a moment.")
            return redirect("metrics:dashboard_pi", slug=train.slug, pi_id=pi.pk)
        context = {"pi": pi, "phase": "unreachable", "train": train}
        return render(request, f"{TEMPLATE}#recompute-status", context, status=503)
    if not request.htmx:
        return redirect("metrics:dashboard_pi", slug=train.slug, pi_id=pi.pk)
    return _status_response(request, train, pi, covers)


@login_required
@require_GET
def recompute_status(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    train, _access, _pis, pi = _get_pi_for_user(request.user, slug, pi_id)
    covers = whole_number(request.GET.get("covers"))
    if covers is None:
        return HttpResponseBadRequest("covers: the change number to wait for, a whole number.")
    return _status_response(request, train, pi, covers)


def _status_response(
    request: HtmxHttpRequest, train: Train, pi: ProgramIncrement, covers: int
) -> HttpResponse:
    state = selectors.recompute_state(pi)
    context = {"train": train, **_status_context(pi, state, covers)}
    if context["phase"] != "done":
        return render(request, f"{TEMPLATE}#recompute-status", context)
    # Done: the status line, and the new figures swapped in out of band.
    return render(
        request, f"{TEMPLATE}#recompute-done", {**context, **_figures_context(train, pi), "oob": True}
    )
