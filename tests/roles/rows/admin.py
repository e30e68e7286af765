"""Who may use the admin (every page of every registered model, and the site's own pages).

The admin is the RTE's, for the trains they are RTE of, and the superusers' (trains/admin_base.py):
staff who are RTE nowhere (here the Product Manager) are refused (403), people without staff status
are sent to the admin's login, and an RTE of another train (the outsider) finds another train's rows
missing. ADMIN below is the table: for each registered model, what a train's RTE does there beyond
reading (None: the superusers' alone). A model registered without a line here has no rows, and the
matrix fails on its routes.
"""

from types import SimpleNamespace

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from planning.factories import FeatureFactory
from risks.services.calendar import calendar_feed_create
from tests.roles.rows.planning import import_run
from tests.test_admin import make_one_of_everything
from trains.factories import UserFactory
from trains.models import Role, Train
from trains.services import membership_add

from ..table import RTE, SIGNED_IN, Row

WRITES = frozenset({"add", "change", "delete"})
ADMIN: dict[str, frozenset[str] | None] = {
    # Django's and third parties': accounts, groups and sign-in records are for superusers.
    "auth.User": None,
    "auth.Group": None,
    "axes.AccessAttempt": None,
    "axes.AccessLog": None,
    "axes.AccessFailureLog": None,
    "oauth2_provider.Application": None,  # the test suite's OpenID Connect provider (tests/oidc_provider.py)
    "oauth2_provider.AccessToken": None,
    "oauth2_provider.Grant": None,
    "oauth2_provider.IDToken": None,
    "oauth2_provider.RefreshToken": None,
    # trains: a train is created and deleted by superusers; its RTE changes it, its teams and roles.
    "trains.Train": frozenset({"change"}),
    "trains.Team": WRITES,
    "trains.Membership": WRITES,
    "trains.ApiToken": None,  # belongs to no train
    "trains.Webhook": frozenset(),
    "trains.WebhookDelivery": frozenset(),
    "trains.Comment": frozenset(),
    "trains.InboxItem": frozenset(),
    "trains.Change": frozenset(),  # the audit history: never edited, by anyone
    # planning
    "planning.ProgramIncrement": frozenset(),
    "planning.Iteration": frozenset({"change"}),
    "planning.Feature": frozenset({"add", "change"}),
    "planning.FeatureStateChange": frozenset(),
    "planning.FeatureBlockedPeriod": frozenset(),
    "planning.Story": WRITES,
    "planning.Milestone": frozenset({"add", "change"}),
    "planning.Dependency": frozenset({"add", "change"}),
    "planning.PIObjective": WRITES,
    "planning.VoteRound": frozenset(),
    "planning.ConfidenceVote": frozenset(),
    "planning.PlanBaseline": frozenset(),
    "planning.TeamCapacity": frozenset({"add", "change"}),
    "planning.PIReopening": frozenset(),
    "planning.BoardChange": frozenset(),
    "planning.ImportRun": frozenset(),
    "planning.Deployment": frozenset(),
    "planning.Incident": frozenset(),
    "planning.Defect": frozenset(),
    # risks
    "risks.Risk": frozenset({"add", "change"}),
    "risks.RiskRoamChange": frozenset(),
    "risks.Impediment": frozenset({"add", "change"}),
    "risks.ImpedimentEscalation": frozenset(),
    "risks.ImprovementItem": frozenset(),
    "risks.ArtSync": frozenset(),
    "risks.ActionItem": frozenset(),
    "risks.SystemDemo": frozenset(),
    "risks.DemoItem": frozenset(),
    "risks.DemoFollowUp": frozenset(),
    "risks.Problem": frozenset(),
    "risks.ProblemVote": frozenset(),
    "risks.CalendarFeed": frozenset(),
    "risks.Survey": frozenset(),
    "risks.SurveyQuestion": frozenset(),
    "risks.SurveyParticipation": frozenset(),
    "risks.SurveyResponse": frozenset(),
    "risks.SurveyScore": frozenset(),
    # metrics
    "metrics.Snapshot": frozenset(),
    "metrics.PIRecompute": frozenset(),
    "metrics.ReleaseChecklist": frozenset(),
    "metrics.ReleaseCriterion": frozenset(),
    "metrics.ReleaseDecision": frozenset(),
}
STAFF = frozenset({"rte", "pm", "outsider"})
RTES = frozenset({"rte", "outsider"})  # each sees their own train's rows: the outsider, none of ours
NOBODY = frozenset()


def one_of_everything(w):
    """A row of every model on the world's train (tests/test_admin.py), for the object pages."""
    feature = FeatureFactory(train=w.train, pi=w.pi, team=w.team_a, iteration=w.pi.iterations.first())
    world = SimpleNamespace(
        train=w.train,
        team=w.team_a,
        other_team=w.team_b,
        pi=w.pi,
        iterations=list(w.pi.iterations.order_by("number")),
        features=[feature],
    )
    someone = UserFactory(username="someone")
    make_one_of_everything(world, someone)
    # Rows the services write: a role given (its history entry) and an import kept for its dry run.
    membership_add(train=w.train, user=someone, role=Role.VIEWER, actor=None)
    import_run(w)
    calendar_feed_create(train=w.train, actor=None)


def _object_pk(model, model_admin):
    def pk(w):
        if model is get_user_model():
            return w.users["member"].pk
        train_path = getattr(model_admin, "train_path", None)
        if train_path is None:  # no train: any row does, the superusers' pages refuse before reading it
            row = model._default_manager.order_by("pk").first()
            return row.pk if row else 1
        rows = model._default_manager.all()
        rows = rows.filter(pk=w.train.pk) if model is Train else rows.filter(**{train_path: w.train})
        return rows.order_by("pk").values_list("pk", flat=True)[0]

    return pk


def _rows_for(model, model_admin) -> list[Row]:
    label = model._meta.label
    if label not in ADMIN:
        return []
    writes = ADMIN[label]
    readers = RTES if writes is not None else NOBODY  # the list and the add page: each RTE their own
    rte = RTE if writes is not None else NOBODY  # our row: the RTE of our train
    can = lambda what, who: who if writes and what in writes else NOBODY  # noqa: E731
    info = model._meta.app_label, model._meta.model_name
    name = f"admin:{info[0]}_{info[1]}_%s"
    pk = _object_pk(model, model_admin)
    setup = one_of_everything if writes is not None else None

    def at(view, with_pk=False):
        return lambda w: reverse(name % view, args=[pk(w)] if with_pk else [])

    redirect_key = f"admin/{info[0]}/{info[1]}/<path:object_id>/"
    rows = [
        Row("GET", name % "changelist", at("changelist"), readers),
        Row("POST", name % "changelist", at("changelist"), readers, ok=(200, 302)),
        Row("GET", name % "add", at("add"), can("add", RTES)),
        Row("POST", name % "add", at("add"), can("add", RTES), ok=(200, 302)),
        Row("GET", name % "change", at("change", True), rte, setup=setup),
        Row("POST", name % "change", at("change", True), can("change", RTE), setup=setup, ok=(200, 302)),
        Row("GET", name % "delete", at("delete", True), can("delete", RTE), setup=setup, ok=(200, 302)),
        Row("POST", name % "delete", at("delete", True), can("delete", RTE), setup=setup, ok=(200, 302)),
        Row("GET", name % "history", at("history", True), rte, setup=setup),
        # /admin/<app>/<model>/<id>/ only redirects to the change page, which then decides.
        Row(
            "GET",
            redirect_key,
            lambda w: reverse(name % "change", args=[pk(w)]).removesuffix("change/"),
            STAFF,
            setup=setup,
            ok=(302,),
        ),
    ]
    if label == "auth.User":
        password = lambda w: reverse("admin:auth_user_password_change", args=[w.users["member"].pk])  # noqa: E731
        rows += [
            Row("GET", "admin:auth_user_password_change", password, NOBODY),
            Row("POST", "admin:auth_user_password_change", password, NOBODY),
        ]
    return rows


ROWS = [
    Row("GET", "admin:index", lambda w: reverse("admin:index"), STAFF),
    Row("GET", "admin:login", lambda w: reverse("admin:login"), SIGNED_IN | {"anonymous"}, ok=(200, 302)),
    # Django's form views take a PUT as a POST whose body they cannot read (only a POST's is parsed):
    # the empty form comes back with its messages, as to anyone.
    Row("PUT", "admin:login", lambda w: reverse("admin:login"), SIGNED_IN | {"anonymous"}),
    Row(
        "POST",
        "admin:login",
        lambda w: reverse("admin:login"),
        SIGNED_IN | {"anonymous"},
        body=lambda w: {"username": "rte", "password": "artops-demo"},
        ok=(200, 302),
    ),
    # Staff are signed out (to the login page); Django sends anyone else to the admin's index, whose
    # door asks them to sign in: nothing happens to them either way.
    Row(
        "POST",
        "admin:logout",
        lambda w: reverse("admin:logout"),
        SIGNED_IN | {"anonymous"},
        ok=(302,),
        ok_to_login=True,
    ),
    Row("GET", "admin:password_change", lambda w: reverse("admin:password_change"), STAFF),
    Row("POST", "admin:password_change", lambda w: reverse("admin:password_change"), STAFF),
    Row("GET", "admin:password_change_done", lambda w: reverse("admin:password_change_done"), STAFF),
    Row("GET", "admin:jsi18n", lambda w: reverse("admin:jsi18n"), STAFF),
    # The admin's search-as-you-type for a foreign key: for each RTE, their own train's rows (the
    # target's admin is train-scoped), for staff who are RTE nowhere, nothing.
    Row(
        "GET",
        "admin:autocomplete",
        lambda w: reverse("admin:autocomplete") + "?app_label=planning&model_name=feature&field_name=team",
        RTES,
    ),
    # No model has a page of its own to send the admin's "view on site" to.
    Row(
        "GET",
        "admin:view_on_site",
        lambda w: reverse("admin:view_on_site", args=[1, w.train.pk]),
        NOBODY,
        refused=404,
    ),
    # An app's page lists the models its user may see: none for staff who are RTE nowhere.
    Row("GET", "admin:app_list", lambda w: reverse("admin:app_list", args=["trains"]), RTES, refused=404),
    # Any other address under /admin/ is unknown (to staff; others are asked to sign in first).
    Row("GET", "admin/(?P<url>.*)$", lambda w: "/admin/nowhere/", NOBODY, refused=404),
]
for _model, _model_admin in admin.site._registry.items():
    ROWS += _rows_for(_model, _model_admin)
