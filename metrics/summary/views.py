"""The leadership summary page and its PDF. Anyone with a role on the train reads them: it is the
page a Business Owner is sent, and nothing on it is hidden from the people it describes."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from planning.models import ProgramIncrement
from planning.selectors.pis import pi_being_run, pis_of_train
from trains.http import HtmxHttpRequest
from trains.selectors import train_for_user

from .pdf import summary_pdf as render_pdf
from .selectors import leadership_summary


def _get_pi_for_user(user, slug: str, pi_id: int | str | None):
    """The train, the user's access and its PI (none asked for: the executing one, else the newest);
    404 off the user's trains, for another train's PI and on a train without PIs."""
    train, access = train_for_user(user, slug)
    pis = list(pis_of_train(train))
    pi: ProgramIncrement = pi_being_run(train, pi_id, pis)
    pi.train = train
    return train, access, pis, pi


@login_required
@require_GET
def summary(request: HtmxHttpRequest, slug: str, pi_id: int | None = None) -> HttpResponse:
    # /metrics/summary/?pi= (the page's PI picker), else the PI in the address.
    train, access, pis, pi = _get_pi_for_user(request.user, slug, pi_id or request.GET.get("pi"))
    context = {
        "train": train,
        "access": access,
        "nav": "metrics",
        "pis": pis,
        "pi": pi,
        "summary": leadership_summary(pi),
    }
    return render(request, "metrics/summary.html", context)


@login_required
@require_GET
def summary_pdf(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    train, _access, _pis, pi = _get_pi_for_user(request.user, slug, pi_id)
    content = render_pdf(leadership_summary(pi))
    response = HttpResponse(content, content_type="application/pdf")
    filename = f"leadership-summary-{train.slug}-{pi.name}".replace(" ", "-").lower()
    safe = (
        "".join(ch for ch in filename if ch.isascii() and (ch.isalnum() or ch in "-_"))
        or "leadership-summary"
    )
    response["Content-Disposition"] = f'inline; filename="{safe}.pdf"'
    return response
