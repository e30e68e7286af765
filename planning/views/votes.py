"""The confidence vote screen (domain.md §4.2): the RTE opens and closes rounds, everyone taking part
votes fist of five, the results refresh live for the whole room.

Live results: the page polls `vote_live` every few seconds with what it shows (each scope's rounds
and each open round's digest, from hidden inputs). The answer carries only what changed, as
out-of-band swaps of the results regions (or of a whole scope when a round opened or closed), and
204 when nothing did; so the fist-of-five buttons and a half-typed concern are never redrawn under
someone's fingers.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from trains.forms import apply_service_errors
from trains.http import HtmxHttpRequest
from trains.refusals import Refusal, htmx_refusal, refusal

from ..forms.votes import SCORE_CHOICES, ConcernForm, VoteForm, VoteRoundOpenForm
from ..models import ConfidenceVote, ProgramIncrement, VoteRound
from ..permissions import can_manage_pi, can_vote_in
from ..selectors.votes import live_votes, round_result, scope_key, vote_scopes
from ..services import votes as services
from .common import PlanningPage, planning_page

PAGE = "planning/votes.html"
POLL_SECONDS = 3


# A refusal is the middleware's to answer (403 for a page, the message alone for htmx), never a
# redirect with a message: the views check who may before reading the form, as every page does.
RTE_RUNS_VOTES = "Only the Release Train Engineer opens and closes confidence votes."
NOT_A_VOTER = "Only those who vote in this round say what worries them about the plan."


def _page_url(page: PlanningPage, anchor: str = "") -> str:
    url = f"{reverse('planning:votes', args=[page.train.slug])}?pi={page.pi.pk}"
    return f"{url}#{anchor}" if anchor else url


def _context(page: PlanningPage, **extra) -> dict:
    return page.context(
        "votes",
        is_rte=can_manage_pi(page.access),
        can_open=can_manage_pi(page.access) and page.pi.state == ProgramIncrement.State.PLANNING,
        score_choices=SCORE_CHOICES,
        score_labels=services.SCORE_LABELS,
        poll_seconds=POLL_SECONDS,
        **extra,
    )


def _scopes(page: PlanningPage):
    """The PI's vote scopes, each marked with whether the viewer may vote in its open round
    (permissions.can_vote_in says who)."""
    scopes = vote_scopes(page.pi, user_id=page.access.user_id)
    for scope in scopes:
        open_round = scope.open_round
        scope.can_vote = page.editable and bool(open_round) and can_vote_in(page.access, open_round.round)
    return scopes


def _scope_response(request: HtmxHttpRequest, page: PlanningPage, team_id: int | None) -> HttpResponse:
    """The scope whose round opened or closed; for a team's, the ART's too (out of band): whether
    the ART's vote may open follows the teams' rounds."""
    scopes = _scopes(page)
    scope = next(s for s in scopes if s.key == scope_key(team_id))
    art_scope = scopes[0] if team_id is not None else None
    return render(request, f"{PAGE}#scope-response", _context(page, scope=scope, art_scope=art_scope))


def _refused(request: HtmxHttpRequest, page: PlanningPage, refused: Refusal, anchor: str = ""):
    """htmx: the message in the page's alert area. Without JavaScript: back to the page with it."""
    if request.htmx:
        return htmx_refusal(refused)
    messages.error(request, refused.message)
    return redirect(_page_url(page, anchor))


def _get_round_for_user(request: HtmxHttpRequest, slug: str, round_id: int):
    """The page (404 for outsiders) and one of the PI's rounds, by the PI the round belongs to."""
    page = planning_page(request, slug)
    vote_round = get_object_or_404(
        VoteRound.objects.select_related("team"), pk=round_id, pi__train=page.train
    )
    if vote_round.pi_id != page.pi.pk:
        page = PlanningPage(
            train=page.train,
            access=page.access,
            pis=page.pis,
            pi=next(p for p in page.pis if p.pk == vote_round.pi_id),
        )
    vote_round.pi = page.pi
    return page, vote_round


@login_required
@require_GET
def votes(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    page = planning_page(request, slug)
    return render(request, PAGE, _context(page, scopes=_scopes(page)))


@login_required
@require_GET
def vote_live(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The live poll: what changed since the page last drew it, or 204. A few queries, always."""
    page = planning_page(request, slug)
    live = live_votes(page.pi, user_id=page.access.user_id)
    sent_states = {k.removeprefix("state-"): v for k, v in request.GET.items() if k.startswith("state-")}
    changed = {key for key, shown in sent_states.items() if live.states.get(key, "") != shown}
    results = [
        result
        for result in live.open_results
        if scope_key(result.round.team_id) not in changed
        and request.GET.get(f"digest-{result.round.pk}") != result.digest
    ]
    if not changed and not results:
        return HttpResponse(status=204)
    scopes = [s for s in _scopes(page) if s.key in changed] if changed else []
    return render(request, f"{PAGE}#live", _context(page, changed_scopes=scopes, changed_results=results))


@login_required
@require_POST
def vote_round_open(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    page = planning_page(request, slug)
    # Who may comes first: anyone else is refused (403) whatever they sent, as on every page.
    page.access.require(can_manage_pi(page.access), RTE_RUNS_VOTES)
    form = VoteRoundOpenForm(request.POST, train=page.train)
    if not form.is_valid():
        message = " ".join(form.errors.get("team", ["Choose a plan to vote on."]))
        return _refused(request, page, Refusal(422, "Not saved", message, field_errors=form.errors))
    team = form.cleaned_data["team"]
    anchor = f"scope-{scope_key(team.pk if team else None)}"
    try:
        services.vote_round_open(pi=page.pi, team=team, actor=request.user)
    except ValidationError as error:
        return _refused(request, page, refusal(error), anchor)
    if request.htmx:
        return _scope_response(request, page, team.pk if team else None)
    return redirect(_page_url(page, anchor))


@login_required
@require_POST
def vote_round_close(request: HtmxHttpRequest, slug: str, round_id: int) -> HttpResponse:
    page, vote_round = _get_round_for_user(request, slug, round_id)
    page.access.require(can_manage_pi(page.access), RTE_RUNS_VOTES)
    anchor = f"scope-{scope_key(vote_round.team_id)}"
    try:
        services.vote_round_close(vote_round=vote_round, actor=request.user)
    except ValidationError as error:
        return _refused(request, page, refusal(error), anchor)
    if request.htmx:
        return _scope_response(request, page, vote_round.team_id)
    return redirect(_page_url(page, anchor))


def _ballot(request, page, vote_round, *, status=200, **extra):
    """The voter's ballot (buttons and concern field), with the round's results out of band.

    ``extra``: ``failed_form`` / ``concern_form`` (refused input, shown on its field),
    ``just_voted``, ``concern_saved``.
    """
    context = _context(page, failed_round=vote_round.pk, **extra)
    if request.htmx:
        context["result"] = round_result(vote_round, user_id=page.access.user_id)
        return render(request, f"{PAGE}#ballot-response", context, status=status)
    # Without JavaScript a refused vote shows the whole page with the message on its field.
    return render(request, PAGE, {**context, "scopes": _scopes(page)}, status=status)


@login_required
@require_POST
def vote_cast(request: HtmxHttpRequest, slug: str, round_id: int) -> HttpResponse:
    page, vote_round = _get_round_for_user(request, slug, round_id)
    anchor = f"ballot-{vote_round.pk}"
    form = VoteForm(request.POST)
    if not form.is_valid():
        return _ballot(request, page, vote_round, failed_form=form, status=422)
    try:
        vote = services.vote_cast(
            vote_round=vote_round,
            voter=request.user,
            score=form.cleaned_data["score"],
            concern=form.cleaned_data["concern"],
        )
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            return _refused(request, page, refusal(error), anchor)
        apply_service_errors(form, error)  # a refusal of the input: on its field
        return _ballot(request, page, vote_round, failed_form=form, status=422)
    if request.htmx:
        return _ballot(request, page, vote_round, just_voted=True)
    if vote.score <= 2 and not vote.concern:
        messages.info(request, "You voted low: say what worries you, so the plan can be reworked.")
    return redirect(_page_url(page, anchor))


@login_required
@require_POST
def vote_concern(request: HtmxHttpRequest, slug: str, round_id: int) -> HttpResponse:
    page, vote_round = _get_round_for_user(request, slug, round_id)
    page.access.require(can_vote_in(page.access, vote_round), NOT_A_VOTER)
    anchor = f"ballot-{vote_round.pk}"
    vote = ConfidenceVote.objects.filter(round=vote_round, voter_id=page.access.user_id).first()
    if vote is None:
        refused = Refusal(422, "Not saved", "Vote first, then say what worries you.")
        return _refused(request, page, refused, anchor)
    form = ConcernForm(request.POST)
    if not form.is_valid():
        return _ballot(request, page, vote_round, concern_form=form, status=422)
    vote.round = vote_round
    try:
        services.vote_set_concern(vote=vote, concern=form.cleaned_data["concern"], actor=request.user)
    except ValidationError as error:
        return _refused(request, page, refusal(error), anchor)
    if request.htmx:
        return _ballot(request, page, vote_round, concern_saved=True)
    messages.success(request, "Your concern is saved.")
    return redirect(_page_url(page, anchor))
