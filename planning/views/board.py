"""The program board: the screen the RTE lives in during PI Planning and every ART Sync."""

from dataclasses import replace

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import trigger_client_event

from trains.access import TrainAccess
from trains.conversation.selectors import conversation_for
from trains.errors import StaleVersion
from trains.forms import apply_service_errors, form_refusal, save_form
from trains.http import HtmxHttpRequest
from trains.limits import whole_number
from trains.models import Train
from trains.refusals import htmx_refusal, refusal
from trains.selectors import train_for_user

from .. import services
from ..forms import DependencyForm, FeatureForm, MilestoneForm, MoveForm
from ..models import Dependency, Feature, Milestone, ProgramIncrement
from ..selectors import (
    BoardFilters,
    board_delta,
    board_strings,
    card_for_user,
    pi_on_the_board,
    pis_of_train,
    program_board,
)

PAGE = "planning/board.html"


def _card_context(train: Train, access: TrainAccess, pi: ProgramIncrement) -> dict:
    """What a card needs beside itself: whether this person may move it, and where its links go."""
    # A closed PI's board is a record: no card draggable, no "Move to…", no add or edit links.
    editable = not pi.is_closed
    return {
        "train": train,
        "access": access,
        "pi": pi,
        "pi_editable": editable,
        "can_plan_all": editable and access.has("rte", "product_manager"),
        "plannable_team_ids": access.team_ids("scrum_master", "product_owner") if editable else frozenset(),
        "feature_base": reverse("planning:board", args=[train.slug]) + "features/",
    }


def _board_context(
    train: Train, access: TrainAccess, pi: ProgramIncrement, filters: BoardFilters, pis: list | None = None
) -> dict:
    context = _card_context(train, access, pi)
    return {
        **context,
        "nav": "board",
        "pis": pis if pis is not None else pis_of_train(train),
        "board": program_board(pi, filters),
        "can_plan_any": context["pi_editable"] and access.can_plan_any,
        "can_place_milestones": context["pi_editable"] and access.has("rte", "product_manager"),
        "kinds": Feature.Kind.choices,
        "states": Feature.State.choices,
    }


def _get_feature_for_user(request: HtmxHttpRequest, slug: str, feature_id: int):
    train, access = train_for_user(request.user, slug)
    feature = get_object_or_404(
        Feature.objects.select_related("pi", "team", "iteration"), pk=feature_id, train=train
    )
    if feature.pi is None:
        raise Http404("This feature is in no PI.")
    return train, access, feature


@login_required
@require_GET
def board(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    train, access = train_for_user(request.user, slug)
    pis = list(pis_of_train(train))
    pi = pi_on_the_board(train, request.GET.get("pi"), pis)
    context = _board_context(train, access, pi, BoardFilters.from_query(request.GET), pis)
    if request.htmx and request.htmx.target == "board-main":
        return render(request, f"{PAGE}#board-main", context)
    return render(request, PAGE, context)


@login_required
@require_GET
def board_changes(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Polled by open boards (static/js/board.js) with the version they show: 204 while nothing
    changed; else what changed, as JSON the board applies (its cost grows with the change, not
    with the board); else, when the board cannot be brought up to date that way, its whole body."""
    train, access = train_for_user(request.user, slug)
    pi = pi_on_the_board(train, request.GET.get("pi"))
    since = whole_number(request.GET.get("since"))
    if since is None:
        since = -1
    if since == pi.board_version:
        return HttpResponse(status=204)
    filters = BoardFilters.from_query(request.GET)
    delta = board_delta(pi, since, filters)
    if delta is None:
        return render(request, f"{PAGE}#board-main", _board_context(train, access, pi, filters))
    context = {**_card_context(train, access, pi), "board": delta}
    cards = [
        {
            "id": card.pk,
            "cell": _cell_id(card),
            "version": card.version,
            "html": render_to_string(f"{PAGE}#feature-card", {**context, "f": card}, request),
        }
        for card in delta.cards
    ]
    return JsonResponse(
        {
            "version": delta.version,
            "cards": cards,
            "removed": delta.removed,
            "strings": [s.as_json() for s in delta.strings],
            "removed_strings": delta.removed_strings,
        }
    )


def _cell_id(feature: Feature) -> str:
    """The board cell a card sits in (templates/planning/board.html names them so)."""
    if feature.team_id and feature.iteration_id:
        return f"cell-{feature.team_id}-{feature.iteration_id}"
    return "lane-unplanned"


def _moved_response(request, feature) -> HttpResponse:
    """What a move changed, and only that, as the `board:moved` event (static/js/board.js): the
    card's new place and version (the mover's board already shows the card and moves it there
    itself) and the strings it provides, the only ones whose health a move can change (the board
    recounts its red and amber strings from them). No body: nothing to render."""
    moved = {
        "id": feature.pk,
        "cell": _cell_id(feature),
        "version": feature.version,
        # The version the mover's board is at once it shows this move, when nobody else changed the
        # board meanwhile; else None, and its next poll brings what it missed (see feature_move).
        "board_version": feature.board_now,
        "strings": feature.provided_strings,
    }
    return trigger_client_event(HttpResponse(), "board:moved", moved)


@login_required
@require_GET
def board_dependencies(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The strings as a table (loaded when opened: the board itself stays light)."""
    train, access = train_for_user(request.user, slug)
    pis = list(pis_of_train(train))
    pi = pi_on_the_board(train, request.GET.get("pi"), pis)
    context = {
        "train": train,
        "access": access,
        "pi": pi,
        "strings": board_strings(pi),
        "nav": "board",
        "can_plan_any": access.can_plan_any and not pi.is_closed,
    }
    if request.htmx:
        return render(request, f"{PAGE}#dependency-table", context)
    return render(request, "planning/dependency_table.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def feature_move(request: HtmxHttpRequest, slug: str, feature_id: int) -> HttpResponse:
    """Move a card (drag and drop, or the keyboard/menu "Move to…" dialog)."""
    train, access, feature = card_for_user(request.user, slug, feature_id)
    form = MoveForm(
        request.POST or None,
        pi=feature.pi,
        initial={"team": feature.team_id, "iteration": feature.iteration_id, "version": feature.version},
    )
    context = {
        "train": train,
        "access": access,
        "pi": feature.pi,
        "feature": feature,
        "form": form,
        "nav": "board",
    }
    if request.method == "POST" and form.is_valid():
        try:
            moved = services.feature_move(
                feature=feature,
                team_id=form.cleaned_data["team"],
                iteration_id=form.cleaned_data["iteration"],
                expected_version=form.cleaned_data["version"],
                actor=request.user,
                board_version=form.cleaned_data["board_version"],
            )
        except StaleVersion as stale:
            message = (
                f"“{stale.current.title}” was changed by someone else while you were moving it. "
                "Your move was not applied; the board now shows the current plan."
            )
            if request.htmx:
                return htmx_refusal(replace(refusal(stale), message=message))
            form = MoveForm(
                pi=feature.pi,
                initial={
                    "team": stale.current.team_id,
                    "iteration": stale.current.iteration_id,
                    "version": stale.current.version,
                },
            )
            context.update(form=form, feature=stale.current, stale_message=message)
            return render(
                request,
                "planning/dialog_page.html",
                {**context, "dialog_partial": f"{PAGE}#move-dialog"},
                status=409,
            )
        except ValidationError as error:
            if request.htmx and not request.htmx.target:
                raise  # a drag has no dialog to show it in: the middleware's refusal says why
            apply_service_errors(form, error)
        else:
            if request.htmx:
                return _moved_response(request, moved)
            return redirect(f"{reverse('planning:board', args=[train.slug])}?pi={moved.pi_id}#f-{moved.pk}")
    # Here a POST was refused on its fields: the dialog again, with the messages.
    status = 422 if request.method == "POST" else 200
    if status == 422 and request.htmx and not request.htmx.target:
        return htmx_refusal(form_refusal(form))
    if request.htmx:
        return render(request, f"{PAGE}#move-dialog", context, status=status)
    page = {**context, "dialog_partial": f"{PAGE}#move-dialog"}
    return render(request, "planning/dialog_page.html", page, status=status)


def _dialog(
    request,
    *,
    train: Train,
    access: TrainAccess,
    pi: ProgramIncrement,
    form,
    save,
    noun: str,
    columns=False,
    commented=None,
) -> HttpResponse:
    """A board dialog: on a valid POST, save through the service. A stale version shows the current
    one (nothing of the user's is applied on top), a refusal goes on the fields. Served inside the
    board's dialog for htmx, as a page of its own otherwise; the form posts back to the same URL."""
    editing = form.instance.pk is not None
    if pi.is_closed and request.method == "GET":  # shown for reading; a POST reaches the service's refusal
        for field in form.fields.values():
            field.disabled = True
    context = {
        "train": train,
        "access": access,
        "pi": pi,
        "form": form,
        "nav": "board",
        "dialog_title": (
            f"{noun.capitalize()} (read-only: {pi.name} is closed)"
            if pi.is_closed
            else f"Edit {noun}"
            if editing
            else f"New {noun} in {pi.name}"
        ),
        "pi_editable": not pi.is_closed,
        "columns": columns,
        # An existing feature, dependency or milestone shows its History panel (trains.history).
        "history_kind": noun if editing else None,
        "history_id": form.instance.pk,
        # An existing feature or dependency shows its comments under the form (trains.conversation).
        "conversation": commented
        and conversation_for(train=train, access=access, user=request.user, target=commented),
    }
    status = 200
    if request.method == "POST":
        refused = save_form(form, save)
        if refused is None:
            return _saved(request, train, pi, f"{noun.capitalize()} saved.")
        status = refused.status
        if status == 409:
            context["form"] = type(form)(instance=refused.current, pi=pi)
            context["stale_message"] = (
                f"Someone else saved this {noun} while you were editing it. Your changes were not saved: "
                "here is the current version; make your change again."
            )
    if request.htmx:
        return render(request, f"{PAGE}#edit-dialog", context, status=status)
    context["dialog_partial"] = f"{PAGE}#edit-dialog"
    return render(request, "planning/dialog_page.html", context, status=status)


def _get_for_dialog(request: HtmxHttpRequest, train: Train, model, object_id: int | None):
    """What a dependency or milestone dialog edits (404 unless it is in one of the train's PIs) and its
    PI; for a new one (no id), None and the board's PI (`?pi=`, or the dialog's hidden `pi` field)."""
    if object_id is None:
        return None, pi_on_the_board(train, request.GET.get("pi") or request.POST.get("pi"))
    instance = get_object_or_404(model.objects.select_related("pi"), pk=object_id, pi__train=train)
    return instance, instance.pi


def _saved(request: HtmxHttpRequest, train: Train, pi: ProgramIncrement, message: str) -> HttpResponse:
    if request.htmx:
        response = HttpResponse(status=204)
        return trigger_client_event(response, "board:saved", {"message": message})
    return redirect(f"{reverse('planning:board', args=[train.slug])}?pi={pi.pk}")


def _save_feature(
    actor, train: Train, pi: ProgramIncrement, feature: Feature | None, cleaned: dict
) -> Feature:
    data = {name: cleaned[name] for name in services.FEATURE_FIELDS}
    team, iteration = cleaned["team"], cleaned["iteration"]
    with transaction.atomic():  # the edit, the move and the state change land together or not at all
        if feature is None:
            saved = services.feature_create(
                train=train, pi=pi, team=team, iteration=iteration, actor=actor, **data
            )
        else:
            saved = services.feature_update(
                feature=feature, expected_version=cleaned["version"], actor=actor, **data
            )
            team_id, iteration_id = getattr(team, "pk", None), getattr(iteration, "pk", None)
            if (saved.team_id, saved.iteration_id) != (team_id, iteration_id):
                saved = services.feature_move(
                    feature=saved,
                    team_id=team_id,
                    iteration_id=iteration_id,
                    expected_version=saved.version,
                    actor=actor,
                )
        if cleaned["state"] != saved.state:
            saved = services.feature_set_state(feature=saved, state=cleaned["state"], actor=actor)
    return saved


@login_required
@require_http_methods(["GET", "POST"])
def feature_edit(request: HtmxHttpRequest, slug: str, feature_id: int | None = None) -> HttpResponse:
    """Create (no id) or edit a feature from the board, in a dialog."""
    if feature_id is None:
        train, access = train_for_user(request.user, slug)
        pi = pi_on_the_board(train, request.GET.get("pi") or request.POST.get("pi"))
        feature = None
        access.require(access.can_plan_any, "Only planners of this train add features.")
    else:
        train, access, feature = _get_feature_for_user(request, slug, feature_id)
        pi = feature.pi
    form = FeatureForm(request.POST or None, instance=feature, pi=pi)

    def save(cleaned):
        _save_feature(request.user, train, pi, feature, cleaned)

    return _dialog(
        request,
        train=train,
        access=access,
        pi=pi,
        form=form,
        save=save,
        noun="feature",
        columns=True,
        commented=feature,
    )


@login_required
@require_http_methods(["GET", "POST"])
def dependency_edit(request: HtmxHttpRequest, slug: str, dependency_id: int | None = None) -> HttpResponse:
    train, access = train_for_user(request.user, slug)
    dependency, pi = _get_for_dialog(request, train, Dependency, dependency_id)
    if dependency is None:
        access.require(access.can_plan_any, "Only planners of this train add dependencies.")
    form = DependencyForm(request.POST or None, instance=dependency, pi=pi)

    def save(cleaned):
        data = {name: cleaned[name] for name in services.DEPENDENCY_FIELDS}
        if dependency is None:
            services.dependency_create(pi=pi, actor=request.user, **data)
        else:
            services.dependency_update(
                dependency=dependency, expected_version=cleaned["version"], actor=request.user, **data
            )

    return _dialog(
        request,
        train=train,
        access=access,
        pi=pi,
        form=form,
        save=save,
        noun="dependency",
        columns=True,
        commented=dependency,
    )


@login_required
@require_http_methods(["GET", "POST"])
def milestone_edit(request: HtmxHttpRequest, slug: str, milestone_id: int | None = None) -> HttpResponse:
    train, access = train_for_user(request.user, slug)
    milestone, pi = _get_for_dialog(request, train, Milestone, milestone_id)
    access.require(
        access.has("rte", "product_manager"), "Only the RTE and Product Management place milestones."
    )
    form = MilestoneForm(request.POST or None, instance=milestone, pi=pi)

    def save(cleaned):
        data = {name: cleaned[name] for name in MilestoneForm.Meta.fields}
        if milestone is None:
            services.milestone_create(pi=pi, actor=request.user, **data)
        else:
            services.milestone_update(
                milestone=milestone, expected_version=cleaned["version"], actor=request.user, **data
            )

    return _dialog(request, train=train, access=access, pi=pi, form=form, save=save, noun="milestone")
