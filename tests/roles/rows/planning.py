"""Who may open and use planning's pages and fragments (planning/urls.py): the program board and its
dialogs, the PI page, the WSJF backlog, the confidence vote, objectives, capacity and team plans.

The same predicates as the API (tests/api/rows/planning_*.py say who and why): everyone with a role
on the train reads; the RTE runs the PI (planning.permissions.can_manage_pi); the RTE and Product
Management plan every team, a team's Scrum Master and Product Owner their own (can_plan_team); the
RTE and Product Management rank the backlog and place milestones; Business Owners alone score
business value; everyone but viewers votes. The world's team a is Apollo (sm, po, member), team b
Gemini (sm_other, po_other).
"""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from planning.imports.services import import_run_create
from tests.api.rows.planning_board import (
    PLAN_ANY,
    PLAN_TEAM_A,
    TRAIN_PLANNERS,
    closed_pi,
    dependency,
    feature_a,
    milestone,
    movable_feature,
)
from tests.api.rows.planning_run import (
    ART_VOTERS,
    BUSINESS_OWNERS,
    art_round,
    art_round_with_votes,
    executing_objective,
    feature_unassigned,
    first_iteration,
    objectives,
    story,
    team_a_round,
)
from tests.planning.import_files import export, small_export

from ..forms import posted_back
from ..table import READERS, RTE, Row


def url(name: str, *args) -> str:
    return reverse(f"planning:{name}", args=["orbit", *args])


def of_pi(name: str, *args):
    """The page of PI 7 (`?pi=`)."""
    return lambda w: f"{url(name, *args)}?pi={w.pi.pk}"


def _pk(key: str):
    return lambda w: w.extra[key].pk


def _version(key: str):
    return lambda w: w.extra[key].version


def iteration(w):
    w.extra["iteration"] = first_iteration(w)


def _objective(w):
    objectives(w)
    w.extra["objective"].refresh_from_db()


def import_run(w):
    """A Jira export uploaded for PI 7, waiting after its dry run."""
    upload = SimpleUploadedFile("jira.csv", export(small_export()), "text/csv")
    w.extra["run"] = import_run_create(train=w.train, pi=w.pi, source="jira", upload=upload, actor=None)


def export_of(name: str, fmt: str):
    return lambda w: reverse(f"planning:{name}", kwargs={"slug": "orbit", "fmt": fmt}) + f"?pi={w.pi.pk}"


def feature_edit_url(w):
    return url("feature_edit", w.extra["feature"].pk)


def dependency_edit_url(w):
    return url("dependency_edit", w.extra["dependency"].pk)


def milestone_edit_url(w):
    return url("milestone_edit", w.extra["milestone"].pk)


def story_url(name):
    return lambda w: url(name, w.team_a.pk, w.extra["story"].pk)


ROWS = [
    # --- the program board ---
    Row("GET", "planning:board", of_pi("board"), READERS),
    Row(
        "GET",
        "planning:board_changes",
        lambda w: of_pi("board_changes")(w) + "&since=0",
        READERS,
        ok=(200, 204),
        htmx=True,
    ),
    Row("GET", "planning:board_dependencies", of_pi("board_dependencies"), READERS, htmx=True),
    Row("GET", "planning:feature_new", of_pi("feature_new"), PLAN_ANY, htmx=True),
    Row(
        "POST",
        "planning:feature_new",
        of_pi("feature_new"),
        PLAN_ANY,
        body=lambda w: posted_back(w, of_pi("feature_new")(w), title="Pay in one step", pi=w.pi.pk),
    ),
    Row("GET", "planning:feature_edit", feature_edit_url, READERS, setup=feature_a, htmx=True),
    Row(
        "POST",
        "planning:feature_edit",
        feature_edit_url,
        PLAN_TEAM_A,
        setup=feature_a,
        body=lambda w: posted_back(w, feature_edit_url(w), title="Pay in two steps"),
    ),
    Row(
        "GET",
        "planning:feature_move",
        lambda w: url("feature_move", w.extra["feature"].pk),
        READERS,
        setup=movable_feature,
        htmx=True,
    ),
    Row(
        "POST",
        "planning:feature_move",
        lambda w: url("feature_move", w.extra["feature"].pk),
        PLAN_TEAM_A,
        setup=movable_feature,
        body=lambda w: {
            "team": w.team_a.pk,
            "iteration": w.extra["to"].pk,
            "version": w.extra["feature"].version,
        },
        htmx=True,
    ),
    Row("GET", "planning:dependency_new", of_pi("dependency_new"), PLAN_ANY, htmx=True),
    Row(
        "POST",
        "planning:dependency_new",
        of_pi("dependency_new"),
        PLAN_ANY,
        body=lambda w: posted_back(
            w,
            of_pi("dependency_new")(w),
            pi=w.pi.pk,
            requesting_team=w.team_a.pk,
            providing_team=w.team_b.pk,
            needed_by_iteration=first_iteration(w).pk,
            description="An endpoint for payments",
        ),
    ),
    Row("GET", "planning:dependency_edit", dependency_edit_url, READERS, setup=dependency, htmx=True),
    Row(
        "POST",
        "planning:dependency_edit",
        dependency_edit_url,
        PLAN_ANY,
        setup=dependency,
        body=lambda w: posted_back(w, dependency_edit_url(w), description="An endpoint, by I2"),
    ),
    Row("GET", "planning:milestone_new", of_pi("milestone_new"), TRAIN_PLANNERS, htmx=True),
    Row(
        "POST",
        "planning:milestone_new",
        of_pi("milestone_new"),
        TRAIN_PLANNERS,
        body=lambda w: posted_back(
            w,
            of_pi("milestone_new")(w),
            pi=w.pi.pk,
            name="Release 1",
            date=(w.pi.start_date + timedelta(10)).isoformat(),
        ),
    ),
    Row("GET", "planning:milestone_edit", milestone_edit_url, TRAIN_PLANNERS, setup=milestone, htmx=True),
    Row(
        "POST",
        "planning:milestone_edit",
        milestone_edit_url,
        TRAIN_PLANNERS,
        setup=milestone,
        body=lambda w: posted_back(w, milestone_edit_url(w), name="Release 1.1"),
    ),
    # --- the PI page: its lifecycle, dates, Business Owners, commit, plan vs now (the RTE's) ---
    Row("GET", "planning:planning", of_pi("planning"), READERS),
    Row("GET", "planning:pi_new", lambda w: url("pi_new"), RTE),
    Row(
        "POST",
        "planning:pi_new",
        lambda w: url("pi_new"),
        RTE,
        body=lambda w: {
            "name": "PI 8",
            "start_date": (w.pi.end_date + timedelta(1)).isoformat(),
            "iteration_count": 5,
        },
    ),
    Row(
        "POST",
        "planning:pi_transition",
        lambda w: url("pi_transition"),
        RTE,
        body=lambda w: {"pi": w.pi.pk, "to_state": "executing"},
    ),
    Row(
        "POST",
        "planning:pi_reopen",
        lambda w: url("pi_reopen"),
        RTE,
        setup=closed_pi,
        body=lambda w: {"pi": w.extra["pi"].pk, "reason": "A score was mistyped."},
    ),
    Row(
        "POST",
        "planning:pi_dates",
        lambda w: url("pi_dates"),
        RTE,
        body=lambda w: {
            "pi": w.pi.pk,
            "start_date": w.pi.start_date.isoformat(),
            "end_date": w.pi.end_date.isoformat(),
        },
    ),
    Row(
        "POST",
        "planning:iteration_edit",
        lambda w: url("iteration_edit", w.extra["iteration"].pk),
        RTE,
        setup=iteration,
        body=lambda w: {
            "start_date": w.extra["iteration"].start_date.isoformat(),
            "end_date": w.extra["iteration"].end_date.isoformat(),
        },
        htmx=True,
    ),
    Row(
        "POST",
        "planning:pi_business_owners",
        lambda w: url("pi_business_owners"),
        RTE,
        body=lambda w: {"pi": w.pi.pk, "business_owners": [w.users["bo"].pk]},
    ),
    Row("POST", "planning:plan_commit", lambda w: url("plan_commit"), RTE, body=lambda w: {"pi": w.pi.pk}),
    Row("GET", "planning:plan_vs_now", of_pi("plan_vs_now"), READERS),
    # --- the WSJF backlog ---
    Row("GET", "planning:backlog", of_pi("backlog"), READERS),
    Row(
        "POST",
        "planning:backlog_wsjf",
        lambda w: url("backlog_wsjf", w.extra["feature"].pk),
        TRAIN_PLANNERS,
        setup=feature_unassigned,
        body=lambda w: {"pi": w.pi.pk, "business_value": 8, "version": w.extra["feature"].version},
        htmx=True,
    ),
    Row(
        "POST",
        "planning:backlog_pull",
        lambda w: url("backlog_pull", w.extra["feature"].pk),
        PLAN_TEAM_A,
        setup=feature_unassigned,
        body=lambda w: {
            "pi": w.pi.pk,
            "action": "pull",
            "team": w.team_a.pk,
            "version": w.extra["feature"].version,
        },
        htmx=True,
    ),
    # --- the confidence vote ---
    Row("GET", "planning:votes", of_pi("votes"), READERS),
    Row("GET", "planning:vote_live", of_pi("vote_live"), READERS, ok=(200, 204), htmx=True),
    Row(
        "POST",
        "planning:vote_round_open",
        lambda w: url("vote_round_open"),
        RTE,
        body=lambda w: {"pi": w.pi.pk, "team": w.team_a.pk},
    ),
    Row(
        "POST",
        "planning:vote_round_close",
        lambda w: url("vote_round_close", w.extra["round"].pk),
        RTE,
        setup=team_a_round,
    ),
    Row(
        "POST",
        "planning:vote_cast",
        lambda w: url("vote_cast", w.extra["round"].pk),
        ART_VOTERS,
        setup=art_round,
        body=lambda w: {"score": 4},
        htmx=True,
    ),
    Row(
        "POST",
        "planning:vote_concern",
        lambda w: url("vote_concern", w.extra["round"].pk),
        ART_VOTERS,
        setup=art_round_with_votes,
        body=lambda w: {"concern": "Two people on leave in I2."},
        htmx=True,
    ),
    # --- team PI objectives and the Business Owner view ---
    Row("GET", "planning:objectives", of_pi("objectives"), READERS),
    Row(
        "POST",
        "planning:objective_new",
        lambda w: url("objective_new"),
        PLAN_TEAM_A,
        body=lambda w: {
            "pi": w.pi.pk,
            "team": w.team_a.pk,
            "text": "Customers pay online",
            "is_committed": "1",
        },
    ),
    # The edit form opens for those who may save it.
    Row(
        "GET",
        "planning:objective_edit",
        lambda w: url("objective_edit", w.extra["objective"].pk),
        PLAN_TEAM_A,
        setup=_objective,
        htmx=True,
    ),
    Row(
        "POST",
        "planning:objective_edit",
        lambda w: url("objective_edit", w.extra["objective"].pk),
        PLAN_TEAM_A,
        setup=_objective,
        body=lambda w: {
            "text": "Customers pay in one step",
            "is_committed": "1",
            "version": w.extra["objective"].version,
        },
        htmx=True,
    ),
    Row(
        "POST",
        "planning:objective_delete",
        lambda w: url("objective_delete", w.extra["objective"].pk),
        PLAN_TEAM_A,
        setup=_objective,
        body=lambda w: {"version": w.extra["objective"].version},
        htmx=True,
    ),
    Row(
        "POST",
        "planning:objective_move",
        lambda w: url("objective_move", w.extra["objective"].pk),
        PLAN_TEAM_A,
        setup=_objective,
        body=lambda w: {"direction": "down", "version": w.extra["objective"].version},
        htmx=True,
    ),
    Row(
        "POST",
        "planning:objective_commitment",
        lambda w: url("objective_commitment", w.extra["objective"].pk),
        PLAN_TEAM_A,
        setup=_objective,
        body=lambda w: {"version": w.extra["objective"].version},
        htmx=True,
    ),
    Row(
        "POST",
        "planning:objective_planned_value",
        lambda w: url("objective_planned_value", w.extra["objective"].pk),
        BUSINESS_OWNERS,
        setup=_objective,
        body=lambda w: {"value": 8, "version": w.extra["objective"].version},
        htmx=True,
    ),
    Row(
        "POST",
        "planning:objective_actual_value",
        lambda w: url("objective_actual_value", w.extra["objective"].pk),
        BUSINESS_OWNERS,
        setup=executing_objective,
        body=lambda w: {"value": 7, "version": w.extra["objective"].version},
        htmx=True,
    ),
    Row("GET", "planning:business_owners", of_pi("business_owners"), READERS),
    # --- exports: whoever reads the page downloads it ---
    Row("GET", "planning:pi_plan_export", export_of("pi_plan_export", "xlsx"), READERS),
    Row("GET", "planning:objectives_export", export_of("objectives_export", "csv"), READERS),
    Row("GET", "planning:capacity_export", export_of("capacity_export", "xlsx"), READERS),
    # --- import from Jira or Azure DevOps: the RTE's (the upload itself: tests/planning/test_import_*) ---
    Row("GET", "planning:import", of_pi("import"), RTE),
    Row("POST", "planning:import", of_pi("import"), RTE, body=lambda w: {"source": "jira"}),
    Row("GET", "planning:import_run", lambda w: url("import_run", w.extra["run"].pk), RTE, setup=import_run),
    Row("POST", "planning:import_run", lambda w: url("import_run", w.extra["run"].pk), RTE, setup=import_run),
    Row(
        "POST",
        "planning:import_apply",
        lambda w: url("import_apply", w.extra["run"].pk),
        RTE,
        setup=import_run,
    ),
    Row(
        "GET",
        "planning:import_progress",
        lambda w: url("import_progress", w.extra["run"].pk),
        RTE,
        setup=import_run,
        ok=(200, 286),
        htmx=True,
    ),
    # --- capacity and team plans ---
    Row("GET", "planning:capacity", of_pi("capacity"), READERS),
    Row(
        "POST",
        "planning:capacity_cell",
        lambda w: url("capacity_cell", w.team_a.pk, first_iteration(w).pk),
        PLAN_TEAM_A,
        body=lambda w: {"pi": w.pi.pk, "fte": "6", "days_off": "2", "version": 0},
        htmx=True,
    ),
    Row("GET", "planning:team_plan", lambda w: of_pi("team_plan", w.team_a.pk)(w), READERS),
    Row(
        "POST",
        "planning:story_new",
        lambda w: url("story_new", w.team_a.pk),
        PLAN_TEAM_A,
        body=lambda w: {"pi": w.pi.pk, "title": "Card form", "points": 3, "iteration": first_iteration(w).pk},
        htmx=True,
    ),
    Row(
        "POST",
        "planning:story_edit",
        story_url("story_edit"),
        PLAN_TEAM_A,
        setup=story,
        body=lambda w: {
            "pi": w.pi.pk,
            "title": "Card form",
            "points": 5,
            "iteration": first_iteration(w).pk,
            "version": w.extra["story"].version,
        },
        htmx=True,
    ),
    Row(
        "POST",
        "planning:story_delete",
        story_url("story_delete"),
        PLAN_TEAM_A,
        setup=story,
        body=lambda w: {"pi": w.pi.pk, "version": w.extra["story"].version},
        htmx=True,
    ),
]
