"""A concern from the confidence vote becomes a risk with one action (domain.md §4.2).

The button sits on planning's vote screen, but the write belongs to risks (imports run
planning ← risks), so the view is here and answers with planning's concern row.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from planning.models import ConfidenceVote
from trains.http import HtmxHttpRequest
from trains.selectors import train_for_user

from ..services import risk_from_vote_concern as make_risk

VOTE_PAGE = "planning/votes.html"


def _get_vote_for_user(request: HtmxHttpRequest, slug: str, vote_id: int):
    """The vote on one of the train's PIs; 404 for an outsider or another train's vote."""
    train, access = train_for_user(request.user, slug)
    vote = get_object_or_404(
        ConfidenceVote.objects.select_related("round__pi", "round__team", "voter"),
        pk=vote_id,
        round__pi__train=train,
    )
    return train, access, vote


def _votes_url(train, vote: ConfidenceVote) -> str:
    return f"{reverse('planning:votes', args=[train.slug])}?pi={vote.round.pi_id}#concern-row-{vote.pk}"


@login_required
@require_POST
def risk_from_vote_concern(request: HtmxHttpRequest, slug: str, vote_id: int) -> HttpResponse:
    train, access, vote = _get_vote_for_user(request, slug, vote_id)
    try:
        risk = make_risk(vote=vote, actor=request.user)
    except ValidationError as refusal:
        if request.htmx:
            # artops/middleware.py answers 422 and app.js shows it in the vote screen's alert area;
            # the concern row stays as it is.
            raise
        messages.error(request, " ".join(refusal.messages))
        return redirect(_votes_url(train, vote))
    if request.htmx:
        context = {"train": train, "access": access, "pi": vote.round.pi, "v": vote, "is_rte": access.is_rte}
        return render(request, f"{VOTE_PAGE}#concern-row", context)
    messages.success(request, f"Risk raised: “{risk.title}”. ROAM it on the risk board.")
    return redirect(_votes_url(train, vote))
