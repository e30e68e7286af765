"""No 500 for any input (issue #14): every page of the product, walked with a catalogue of hostile values.

The walk is built from the URL resolver and the pages themselves, on a small train with one of
everything (hostile_world), as its RTE sees it (the RTE sees every form a planner does) and, for
the business value they alone score, as its Business Owner:

1. Crawl: from the train's home, every link, htmx request and form of the product's pages (trains,
   planning, risks, metrics, conversation and inbox, account, search), up to VARIANTS addresses per
   route, so that every route of those URLconfs is reached with real ids. A route never reached
   fails the walk: a page nobody links to, or a new route whose page needs something hostile_world
   lacks.
2. GET: every query parameter a page reads (recorded while it answers, plus those of its filter
   forms and of the links to it) with the query values of the catalogue.
3. POST: every form a page shows, each of its fields in turn with the catalogue's values for its
   kind of input and left out, the others as the page filled them; sent as the page sends it
   (htmx when the form has hx-post).
4. Addresses: every id in every address read or posted to at 2^63 and 40 digits: a 404.

Each request runs in a savepoint rolled back after it, so every one meets the same train. Asserted:
no 5xx; a 4xx carries a message (the refused page, a field message, an alert, text, JSON or an
htmx event with one); a refused POST changed nothing (rows, ids, versions and updates of every
model before and after); a day in year 1 or 9999 or an id past the database's is never accepted.
The walk is split in SHARDS tests that xdist's workers share; the figures of each (routes, inputs,
requests, answers, time) are printed at the end of the run (tests/conftest.py).
"""

from __future__ import annotations

import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import got_request_exception
from django.db import connection, transaction
from django.db.models import Count, Max, Subquery, Sum, UUIDField, Value
from django.http import QueryDict
from django.test import Client
from django.urls import Resolver404, get_resolver, resolve, reverse
from django.utils import timezone

from trains.limits import MAX_ID
from trains.models import Train

# --- the catalogue --------------------------------------------------------------------------------

HOSTILE = {
    "id 2^63": str(MAX_ID + 1),
    "40 digits": "9" * 40,
    "negative": "-1",
    "below -2^63": str(-(2**63) - 1),
    "superscript two": "²",
    "Arabic-Indic three": "٣",
    "exponent": "1e400",
    "ISO year 1": "0001-01-01",
    "ISO year 9999": "9999-12-31",
    "day-first year 1": "01/01/0001",
    "day-first year 9999": "31/12/9999",
    "over-long": "x" * 20_000,
    "NUL byte": "a\x00b",
    "wrong type": '{"id": [1]}',
}
MISSING = "missing"
# Each kind of input meets the values that could trip what reads it: a number or an id, every
# number (too large for the database, negative, a digit that is no ASCII digit, 1e400 for a
# decimal); a day, the years 1 and 9999 as the page types them and as ISO; text, its length and a
# NUL byte (PostgreSQL refuses it in a string); every input, a NUL byte and being left out. A query
# parameter, whose kind the page does not say, meets ids and days alike.
VALUES = {
    "number": ["id 2^63", "below -2^63", "superscript two", "Arabic-Indic three", "exponent", "NUL byte"],
    "select-multiple": ["id 2^63", "40 digits", "superscript two", "NUL byte"],
    "date": ["ISO year 1", "day-first year 9999", "superscript two", "NUL byte"],
    "text": ["over-long", "NUL byte"],
    "choice": ["id 2^63", "wrong type", "NUL byte"],
    "query": [
        "id 2^63",
        "40 digits",
        "negative",
        "superscript two",
        "ISO year 9999",
        "over-long",
        "NUL byte",
    ],
}
KINDS = {
    "hidden": "number",
    "number": "number",
    "select": "number",
    "select-multiple": "select-multiple",
    "date": "date",
    "text": "text",
    "textarea": "text",
    "search": "text",
    "email": "text",
    "url": "text",
    "password": "text",
    "checkbox": "choice",
    "radio": "choice",
}


def values_for(kind: str) -> list[tuple[str, str | None]]:
    labels = VALUES[KINDS.get(kind, "text") if kind != "query" else "query"]
    pairs: list[tuple[str, str | None]] = [(label, HOSTILE[label]) for label in labels]
    return pairs if kind == "query" else [*pairs, (MISSING, None)]


NEVER_A_DAY = {"ISO year 1", "ISO year 9999", "day-first year 1", "day-first year 9999"}
NEVER_AN_ID = {"id 2^63", "40 digits"}

# The product's routes: the pages people use. The API has its own walk (tests/api/test_schemathesis.py);
# the admin, login and logout, healthz and the API documents are not the product's pages.
NAMESPACES = {"trains", "planning", "risks", "metrics", "conversation"}
TOP_LEVEL = {"home", "search", "account-tokens", "account-token-revoke"}
# Distinct URLs read per route and query shape while crawling.
VARIANTS = 3
# The walk runs in this many tests (each every SHARDS-th input), which xdist's workers share.
SHARDS = 4
# Who the walk signs in as: the RTE sees every form a planner does; the Business Owner alone scores.
PERSONAS = ("rte", "bo")


def in_scope(view_name: str) -> bool:
    return view_name in TOP_LEVEL or view_name.split(":")[0] in NAMESPACES


def product_routes() -> set[str]:
    """Every view name of the product's URLconfs, from the resolver."""
    names: set[str] = set()

    def walk(patterns, namespace: str | None) -> None:
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                if in_scope(name):
                    names.add(name)

    walk(get_resolver().url_patterns, None)
    return names


# --- reading a page -------------------------------------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    htmx: bool
    persona: str = "rte"  # who the page showed it to, and who posts it
    fields: list[tuple[str, str]] = field(default_factory=list)  # (name, value), as the browser sends
    kinds: dict[str, str] = field(default_factory=dict)  # name → "date", "select-multiple", "text", …
    options: dict[str, list[str]] = field(default_factory=dict)  # a select's values

    def choices(self) -> list[str]:
        """The URLs a GET form submits: as the page fills it, and with each option of each select
        (as a browser does, the form's fields replace the query of its action)."""
        path, query = urlsplit(self.action).path, dict(self.fields)
        queries = [
            query,
            *({**query, name: value} for name, values in self.options.items() for value in values),
        ]
        return [f"{path}?{urlencode(q)}" if q else path for q in queries]

    def names(self) -> list[str]:
        return list(dict.fromkeys(name for name, _ in self.fields))


class PageReader(HTMLParser):
    """The links (href, hx-get) and forms of a page or fragment."""

    def __init__(self, url: str):
        super().__init__(convert_charrefs=True)
        self.url = url
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: tuple[str, bool, list[str], str | None] | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for attribute in ("href", "hx-get"):
            if a.get(attribute):
                self.links.append(a[attribute])
        if tag == "form":
            method = (a.get("method") or ("post" if a.get("hx-post") else "get")).lower()
            action = a.get("action") or a.get("hx-post") or a.get("hx-get") or self.url
            self._form = Form(action=action, method=method, htmx=bool(a.get("hx-post") or a.get("hx-get")))
            self.forms.append(self._form)
            return
        form, name = self._form, a.get("name")
        if tag == "option" and self._select is not None and form is not None:
            select_name, multiple, chosen, first = self._select
            value = a.get("value", "")
            form.options.setdefault(select_name, []).append(value)
            if "selected" in a:
                chosen.append(value)
            self._select = (select_name, multiple, chosen, first if first is not None else value)
            return
        if form is None or not name:
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if a.get("placeholder") == "dd/mm/yyyy":
                kind = "date"
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    form.fields.append((name, a.get("value", "on")))
                form.kinds.setdefault(name, kind)
                return
            form.fields.append((name, a.get("value") or ""))
            form.kinds[name] = kind
        elif tag == "select":
            self._select = (name, "multiple" in a, [], None)
            form.kinds[name] = "select-multiple" if "multiple" in a else "select"
        elif tag == "textarea":
            self._textarea, self._text = name, []
            form.kinds[name] = "textarea"

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, multiple, chosen, first = self._select
            values = chosen or ([] if multiple or first is None else [first])
            self._form.fields.extend((name, value) for value in values)
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.fields.append((self._textarea, "".join(self._text).lstrip("\n")))
            self._textarea = None


def route_of(url: str):
    """The resolver match of one of our URLs, or None (another site, the API, a static file…)."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    return match if in_scope(match.view_name) else None


def has_message(response) -> bool:
    """Whether a refusal says why: text, JSON with a message, an htmx event carrying a message, or
    a page or fragment with a refusal, an alert or a field message."""
    if any("message" in value for name, value in response.items() if name.lower().startswith("hx-trigger")):
        return True
    text = response.content.decode("utf-8", "replace")
    if "html" not in response.get("Content-Type", "") or "<" not in text:
        return bool(text.strip())
    return any(
        marker in text
        for marker in ('role="alert"', 'class="field-error"', 'class="card refused"', "errorlist")
    )


# --- what changed ---------------------------------------------------------------------------------


class Fingerprint:
    """For every model of the product (and the users): its row count, highest id, and sum of
    versions and latest update where it has them, in one query. A write of any kind moves one.

    Compiled once: compiling its couple of hundred subqueries costs more than running them."""

    def __init__(self, train: Train):
        columns = {}
        for model in apps.get_models(include_auto_created=True):
            if model._meta.app_label not in {"trains", "planning", "risks", "metrics", "auth"}:
                continue
            names = {f.name for f in model._meta.concrete_fields}
            rows = model._default_manager.order_by().values(_all=Value(1))
            aggregates = {"n": Count("pk")}
            if not isinstance(model._meta.pk, UUIDField):
                # A random key has no highest value (and PostgreSQL no max() of a uuid): the count tells.
                aggregates["max"] = Max("pk")
            if "version" in names:
                aggregates["versions"] = Sum("version")
            if "updated_at" in names:
                aggregates["updated"] = Max("updated_at")
            for key, aggregate in aggregates.items():
                columns[f"{model._meta.db_table}.{key}"] = Subquery(
                    rows.annotate(x=aggregate).values("x")[:1]
                )
        query = Train.objects.filter(pk=train.pk).annotate(**columns).values(*columns)
        self.columns = list(columns)
        self.sql, self.params = query.query.sql_with_params()

    def __call__(self) -> dict:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, self.params)
            return dict(zip(self.columns, cursor.fetchone(), strict=True))


# --- the walk -------------------------------------------------------------------------------------


class _RolledBack(Exception):
    pass


@dataclass
class Outcome:
    method: str
    url: str
    target: str  # "GET ?team" or "POST title"
    value: str
    status: int
    problem: str = ""


@dataclass
class Site:
    """What the crawl found: a URL per route read with GET, a form per route posted to, and the
    query parameters the links and filter forms to each route carry."""

    pages: dict[str, str] = field(default_factory=dict)
    forms: dict[str, Form] = field(default_factory=dict)
    link_params: dict[str, set[str]] = field(default_factory=dict)


@dataclass
class Walk:
    clients: dict[str, Client]
    train: Train
    fingerprint: Fingerprint
    baseline: dict
    outcomes: list[Outcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: int = 0
    site: Site = field(default_factory=Site)
    slots: list = field(default_factory=list)
    crawl_seconds: float = 0.0

    def send(
        self, method: str, url: str, data=None, *, persona="rte", htmx: bool = False, refused_changes=False
    ):
        """One request in a savepoint rolled back after it; with the fingerprint taken before rolling
        back when asked (a refused POST must leave it as it was)."""
        self.errors.clear()
        self.requests += 1
        client = self.clients[persona]
        headers = {"HX-Request": "true"} if htmx else {}
        changed = None
        try:
            with transaction.atomic():
                if method == "GET":
                    response = client.get(url, headers=headers)
                else:
                    response = client.post(url, data or {}, headers=headers)
                if refused_changes and 400 <= response.status_code < 500:
                    now = self.fingerprint()
                    changed = {k: (self.baseline[k], v) for k, v in now.items() if self.baseline[k] != v}
                raise _RolledBack
        except _RolledBack:
            pass
        return response, changed

    def on_exception(self, sender, request=None, **kwargs):
        self.errors.append(traceback.format_exc(limit=-3))


def crawl(walk: Walk, site: Site, starts: list[str], *, persona: str = "rte", follow: bool = True) -> None:
    """Read the pages from `starts` and, with `follow`, every link of the product's pages, up to
    VARIANTS distinct URLs per route and query shape (a closed PI's page shows other forms than a
    running one's)."""
    pages, forms, link_params = site.pages, site.forms, site.link_params
    seen: set[str] = set()
    variants: Counter = Counter()
    queue = list(starts)
    while queue:
        url = queue.pop(0).split("#")[0]
        match = route_of(url)
        if match is None or url in seen:
            continue
        shape = (
            match.view_name,
            frozenset(k for k, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)),
        )
        if variants[shape] >= VARIANTS:
            continue
        seen.add(url)
        variants[shape] += 1
        response, _ = walk.send("GET", url, persona=persona)
        if response.status_code >= 400:
            continue
        pages.setdefault(match.view_name, url)
        if "html" not in response.get("Content-Type", ""):
            continue
        reader = PageReader(url)
        reader.feed(response.content.decode())
        for form in reader.forms:
            target = route_of(form.action)
            if target is None:
                continue
            if form.method == "get":
                link_params.setdefault(target.view_name, set()).update(form.names())
                if follow:
                    queue.extend(form.choices())
            else:
                form.persona = persona
                forms.setdefault(target.view_name, form)
        for link in reader.links if follow else []:
            target = route_of(link)
            if target is not None:
                keys = {key for key, _ in parse_qsl(urlsplit(link).query, keep_blank_values=True)}
                link_params.setdefault(target.view_name, set()).update(keys)
                queue.append(link)


def params_read(walk: Walk, url: str) -> set[str]:
    """The query parameters a page reads while it answers (its request.GET and request.POST, as
    views read `request.GET.get("pi") or request.POST.get("pi")`)."""
    read: set[str] = set()
    originals = {name: getattr(QueryDict, name) for name in ("get", "__getitem__", "getlist", "__contains__")}

    def recording(name):
        original = originals[name]

        def method(self, key, *args, **kwargs):
            if isinstance(key, str):
                read.add(key)
            return original(self, key, *args, **kwargs)

        return method

    for name in originals:
        setattr(QueryDict, name, recording(name))
    try:
        walk.send("GET", url)
    finally:
        for name, original in originals.items():
            setattr(QueryDict, name, original)
    # A template's {{ request.GET.urlencode }} is looked up as a key first: not a parameter.
    return {key for key in read if not hasattr(QueryDict, key)} - {"csrfmiddlewaretoken"}


def with_param(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    return f"{parts.path}?{urlencode([*query, (name, value)])}"


def form_data(form: Form, name: str, value: str | None) -> dict[str, list[str]]:
    """The form as the page filled it, with `name` set to `value` alone (None: left out)."""
    data: dict[str, list[str]] = {}
    for key, current in form.fields:
        data.setdefault(key, []).append(current)
    if value is None:
        data.pop(name, None)
    else:
        data[name] = [value]
    return data


def check(walk: Walk, outcome: Outcome, response, changed, kind: str | None = None) -> None:
    status = response.status_code
    if status >= 500:
        outcome.problem = f"{status}: {walk.errors[-1] if walk.errors else response.content[:300]!r}"
    elif 400 <= status < 500:
        if not has_message(response):
            outcome.problem = f"{status} without a message: {response.content[:200]!r}"
        elif changed:
            outcome.problem = f"{status} but changed {changed}"
    elif outcome.method == "POST" and status < 400:
        # Accepted: fine for most values, which may be valid for the field ("0" points, "x" * 20,000
        # as a description); never for a day no plan has, nor an id no row can have.
        if kind == "date" and outcome.value in NEVER_A_DAY:
            outcome.problem = f"{status}: accepted a date in year 1 or 9999"
        if kind == "select-multiple" and outcome.value in NEVER_AN_ID:
            outcome.problem = f"{status}: accepted an id no row can have"
    walk.outcomes.append(outcome)


def hostile_world() -> tuple[Train, list[str], str]:
    """A small train with one of everything a page shows a form for: a closed PI with its workshop,
    an executing one mid-way with its board, risks, impediments, ART Sync and demos, and the next
    one in planning with an open confidence vote; comments, an inbox, a token and webhooks. Small,
    so that each of the walk's thousands of requests is quick; built as the product builds it.
    Returns the train, the addresses a person is given once, and the link of an invitation."""
    from metrics.releases.services import (
        release_checklist_create,
        release_criterion_add,
        release_decision_record,
    )
    from planning.factories import (
        DependencyFactory,
        FeatureFactory,
        MilestoneFactory,
        PIObjectiveFactory,
        ProgramIncrementFactory,
        StoryFactory,
        TeamCapacityFactory,
    )
    from planning.imports.services import import_run_create
    from planning.services.delivery import defect_record, incident_record
    from planning.services.lifecycle import pi_set_business_owners
    from planning.services.votes import vote_cast, vote_round_open
    from risks.factories import ImpedimentFactory, ImprovementItemFactory, RiskFactory
    from risks.services.art_sync import action_create, art_sync_start
    from risks.services.calendar import calendar_feed_create
    from risks.services.demos import demo_follow_up_add, system_demo_plan
    from risks.services.impediments import impediment_resolve
    from risks.services.inspect_adapt import problem_create
    from risks.services.surveys import survey_open
    from tests.planning.import_files import export, small_export
    from trains.conversation.services import comment_add
    from trains.factories import MembershipFactory, TeamFactory, TrainFactory, UserFactory
    from trains.models import Role, Webhook
    from trains.people.services import invitation_link
    from trains.services import api_token_create
    from trains.webhooks.services import emit, webhook_create

    train = TrainFactory(name="Orbit ART", slug="orbit")
    apollo, gemini = TeamFactory(train=train, name="Apollo"), TeamFactory(train=train, name="Gemini")
    people = {}
    for username, role, team in [
        ("rte", Role.RTE, None),
        ("bo", Role.BUSINESS_OWNER, None),
        ("sm", Role.SCRUM_MASTER, apollo),
        ("member", Role.TEAM_MEMBER, apollo),
    ]:
        people[username] = UserFactory(username=username, first_name=username.upper())
        MembershipFactory(user=people[username], train=train, role=role, team=team)
    rte, bo = people["rte"], people["bo"]
    invited = UserFactory(username="newcomer", is_active=False)  # invited, not signed in yet
    invited.set_unusable_password()
    invited.save()
    MembershipFactory(user=invited, train=train, role=Role.TEAM_MEMBER, team=gemini)

    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    length = timedelta(days=train.iteration_length_days * train.iterations_per_pi)
    running = ProgramIncrementFactory(train=train, name="PI 7", start_date=monday - timedelta(weeks=3))
    closed = ProgramIncrementFactory(train=train, name="PI 6", start_date=running.start_date - length)
    upcoming = ProgramIncrementFactory(train=train, name="PI 8", start_date=running.start_date + length)
    running.state = "executing"
    running.save(update_fields=["state"])
    for pi in (closed, running, upcoming):
        pi_set_business_owners(pi=pi, users=[bo], actor=rte)

    for pi in (running, upcoming):
        first, second = pi.iterations.order_by("number")[:2]
        features = [
            FeatureFactory(train=train, pi=pi, team=apollo, iteration=first, title=f"Checkout {pi.name}"),
            FeatureFactory(train=train, pi=pi, team=gemini, iteration=second, title=f"Payments {pi.name}"),
            FeatureFactory(train=train, pi=pi, title=f"Unplanned {pi.name}"),
        ]
        DependencyFactory(
            pi=pi,
            requesting_team=apollo,
            providing_team=gemini,
            requesting_feature=features[0],
            providing_feature=features[1],
            needed_by_iteration=second,
        )
        MilestoneFactory(pi=pi)
        StoryFactory(team=apollo, feature=features[0], iteration=first)
        TeamCapacityFactory(team=apollo, iteration=first)
        objective = PIObjectiveFactory(pi=pi, team=apollo)
        objective.features.add(features[0])
    FeatureFactory(train=train, title="Not in a PI yet")

    backlog_feature = running.features.order_by("pk").first()
    team_risk = RiskFactory(train=train, pi=running, team=apollo, title="Vendor API late")
    team_risk.features.add(backlog_feature)
    RiskFactory(train=train, pi=running, title="Shared staging unstable")
    ImpedimentFactory(team=apollo, title="No test data")
    # An open incident and an open defect of Apollo: the Delivery page's restore and resolve forms.
    started = timezone.now() - timedelta(days=1)
    incident_record(train=train, actor=rte, team=apollo, service="checkout", title="Down", started_at=started)
    defect_record(train=train, actor=rte, team=apollo, title="Totals round wrongly", found_at=started)
    resolved = ImpedimentFactory(team=apollo, title="Build agents down")
    impediment_resolve(
        impediment=resolved, resolution="Restarted", actor=rte, expected_version=resolved.version
    )
    sync = art_sync_start(train=train, pi=running, actor=rte, held_on=today - timedelta(days=7))
    action_create(sync=sync, title="Book the room", owner=rte, due_date=today + timedelta(days=3), actor=rte)
    demo = system_demo_plan(iteration=running.iterations.order_by("number").first(), actor=rte)
    demo_follow_up_add(demo=demo, title="Show it on staging", actor=rte)
    for pi in (closed, running):
        problem_create(pi=pi, statement=f"Integration found late in {pi.name}", actor=rte)
    ImprovementItemFactory(source_pi=closed, title="Integrate daily")
    closed.state = "closed"  # its workshop held, its record kept
    closed.save(update_fields=["state"])

    # The running PI's release with its go/no-go checklist, a criterion with an owner and a decision.
    checklist = release_checklist_create(milestone=running.milestones.get(), actor=rte)
    release_criterion_add(checklist=checklist, title="Sign-off", owner=people["sm"], actor=rte)
    release_decision_record(
        checklist=checklist, outcome="no_go", reason="Not yet.", expected_version=2, actor=rte
    )

    # An event survey and Apollo's health pulse, open: the answer, close and result pages.
    survey_open(train=train, kind="pi_planning", pi=running, actor=rte)
    survey_open(train=train, kind="team_health", pi=running, team=apollo, actor=rte)

    vote_round = vote_round_open(pi=upcoming, team=apollo, actor=rte)
    vote_cast(vote_round=vote_round, voter=people["member"], score=2, concern="The payments work is too big")
    vote_cast(vote_round=vote_round, voter=rte, score=2)

    comment_add(target=team_risk, body="@bo can you look at this?", actor=rte)
    comment_add(target=team_risk, body="@rte on it", actor=bo)
    api_token_create(user=rte, name="script")
    webhook, _ = webhook_create(
        train=train, url="https://hooks.example.com/a", events=["feature.moved"], actor=rte
    )
    emit(train=train, event="feature.moved", data={"feature": {"id": backlog_feature.pk}})
    stopped, _ = webhook_create(
        train=train, url="https://hooks.example.com/b", events=["risk.roamed"], actor=rte
    )
    Webhook.objects.filter(pk=stopped.pk).update(
        is_active=False, disabled_at=timezone.now(), disabled_reason="5 deliveries failed"
    )
    _feed, token = calendar_feed_create(train=train, actor=rte)
    jira = SimpleUploadedFile("jira.csv", export(small_export()), "text/csv")
    import_run_create(train=train, pi=upcoming, source="jira", upload=jira, actor=rte)  # after its dry run
    # The calendar's secret address is shown once, when it is made, and an invitation's link is
    # mailed: no page links to either later.
    shown_once = [reverse("risks:calendar_feed", args=[train.slug, token])]
    return train, shown_once, urlsplit(invitation_link(invited, train)).path


def not_linked_now(train: Train) -> list[str]:
    """Addresses no page of the walk's train links as it stands: static/js builds them from a
    page's data (the board's "Move to…" dialog, from data-move-base and the card's id), or a page
    shows them only for a moment (an import's progress, polled while it applies)."""
    feature = train.features.filter(pi__state="planning", team__isnull=False).order_by("pk").first()
    run = train.import_runs.get()
    progress = reverse("planning:import_progress", args=[train.slug, run.pk])
    return [reverse("planning:feature_move", args=[train.slug, feature.pk]), f"{progress}?pi={run.pi_id}"]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The walk's train, built once for the module in a transaction rolled back at its end."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield hostile_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@dataclass
class Slot:
    """One input of the product: a query parameter of a page, or a field of a form."""

    method: str
    view_name: str
    url: str  # the page read, or the form's action
    name: str
    kind: str  # "query", or the form input's kind ("date", "select-multiple", "hidden", …)
    form: Form | None = None


def inputs(walk: Walk, site: Site) -> list[Slot]:
    """Every query parameter each page reads (recorded while it answers, and those of its filter
    forms and of the links to it) and every field of every form."""
    slots = []
    for view_name, url in sorted(site.pages.items()):
        for name in sorted(params_read(walk, url) | site.link_params.get(view_name, set())):
            slots.append(Slot("GET", view_name, url, name, "query"))
    for view_name, form in sorted(site.forms.items()):
        for name in form.names():
            if name != "csrfmiddlewaretoken":  # the test client does not check it
                slots.append(Slot("POST", view_name, form.action, name, form.kinds.get(name, "text"), form))
    return slots


@pytest.fixture(scope="module")
def walk(world, django_db_blocker):
    """The signed-in personas, and the crawl of every page with what it reads and shows: once per
    module (and per xdist worker)."""
    from django.contrib.auth import get_user_model

    world, shown_once, invitation = world

    with django_db_blocker.unblock():
        started = time.monotonic()
        clients = {}
        for persona in PERSONAS:
            clients[persona] = Client(raise_request_exception=False)
            clients[persona].force_login(get_user_model().objects.get(username=persona))
        fingerprint = Fingerprint(world)
        walk = Walk(clients=clients, train=world, fingerprint=fingerprint, baseline=fingerprint())
        got_request_exception.connect(walk.on_exception)
        slug = world.slug
        starts = [
            "/",
            "/trains/",
            f"/trains/{slug}/",
            "/inbox/",
            "/account/tokens/",
            f"/search/?q=a&train={slug}",
        ]
        crawl(walk, walk.site, starts + not_linked_now(world) + shown_once)
        # Business value is scored by Business Owners alone: their objectives pages, as they see them.
        objectives = reverse("planning:objectives", args=[slug])
        crawl(
            walk,
            walk.site,
            [f"{objectives}?pi={pi.pk}" for pi in world.pis.all()],
            persona="bo",
            follow=False,
        )
        # Someone invited (nobody signed in) follows the invitation's link: Django keeps its token in
        # their session and sends them to the form that sets their password. That first step is kept,
        # not rolled back, so that their session holds the token the form needs.
        walk.clients["guest"] = Client(raise_request_exception=False)
        welcome = walk.clients["guest"].get(invitation)
        crawl(walk, walk.site, [welcome["Location"]], persona="guest", follow=False)
        walk.slots = inputs(walk, walk.site)
        walk.crawl_seconds = time.monotonic() - started
    yield walk
    got_request_exception.disconnect(walk.on_exception)


def test_the_walk_reaches_every_route_of_the_product(walk, db, record_property):
    site = walk.site
    unreached = product_routes() - set(site.pages) - set(site.forms)
    assert not unreached, (
        f"Routes the walk never reached: link them from a page, or add them to not_linked_now "
        f"(and to hostile_world what their page needs to show them): {sorted(unreached)}"
    )
    planned = sum(len(values_for(slot.kind)) for slot in walk.slots)
    gets = sum(1 for slot in walk.slots if slot.method == "GET")
    record_property(
        "figures",
        f"hostile-input walk: {len(set(site.pages) | set(site.forms))} routes reached ({len(site.pages)} "
        f"pages read, {len(site.forms)} forms), {gets} query parameters and {len(walk.slots) - gets} form "
        f"fields, {len(HOSTILE)} hostile values and missing: {planned} requests in {SHARDS} shards; "
        f"crawl {walk.crawl_seconds:.1f} s",
    )
    assert planned >= 1000


def test_an_id_no_row_can_have_in_any_address_is_a_404(walk, db, record_property):
    """Every id in every address the walk read or posted to, at 2^63 (one past the database's
    bigint) and at 40 digits: the <id:…> converter (trains/converters.py) matches neither, so the
    answer is the 404 page and no view runs."""
    site, tried = walk.site, 0
    addresses = [("GET", url, "rte") for url in site.pages.values()]
    addresses += [("POST", form.action, form.persona) for form in site.forms.values()]
    for method, address, persona in addresses:
        match = resolve(urlsplit(address).path)
        for name in [name for name, value in match.kwargs.items() if isinstance(value, int)]:
            # The other ids stay real: only this one is past the database's.
            template = reverse(match.view_name, kwargs={**match.kwargs, name: 0})
            for value in (str(MAX_ID + 1), "9" * 40):
                hostile = template.replace("/0/", f"/{value}/", 1)
                response, _ = walk.send(method, hostile, {}, persona=persona)
                tried += 1
                assert response.status_code == 404 and has_message(response), (method, hostile)
    record_property("figures", f"hostile-input walk: {tried} addresses with an id of 2^63 or 40 digits: 404")
    assert tried >= 50


@pytest.mark.parametrize("shard", range(SHARDS))
def test_no_input_of_any_page_is_answered_with_a_5xx(walk, db, shard, record_property):
    """A shard of the walk (every SHARDS-th input), so that xdist's workers share it."""
    started = time.monotonic()
    walk.outcomes = []
    slots = walk.slots[shard::SHARDS]
    for slot in slots:
        for label, value in values_for(slot.kind):
            if slot.method == "GET":
                response, changed = walk.send("GET", with_param(slot.url, slot.name, value))
            else:
                form = slot.form
                data = form_data(form, slot.name, value)
                response, changed = walk.send(
                    "POST", form.action, data, persona=form.persona, htmx=form.htmx, refused_changes=True
                )
            target = f"?{slot.name}" if slot.method == "GET" else slot.name
            check(
                walk,
                Outcome(slot.method, slot.url, target, label, response.status_code),
                response,
                changed,
                slot.kind,
            )

    outcomes = walk.outcomes
    statuses = Counter(outcome.status // 100 * 100 for outcome in outcomes)
    routes = {slot.view_name for slot in slots}
    gets = sum(1 for outcome in outcomes if outcome.method == "GET")
    summary = (
        f"hostile-input walk {shard + 1}/{SHARDS}: {len(routes)} routes, {len(slots)} inputs × their "
        f"hostile values = {len(outcomes)} requests ({gets} GET, {len(outcomes) - gets} POST), answers "
        f"{dict(sorted(statuses.items()))}, 5xx: {statuses.get(500, 0)}, in {time.monotonic() - started:.1f} s"
    )
    record_property("figures", summary)
    problems = [o for o in outcomes if o.problem]
    assert not problems, "\n".join(
        f"{o.method} {o.url} {o.target}={o.value}: {o.problem}" for o in problems[:40]
    ) + (f"\n… and {len(problems) - 40} more" if len(problems) > 40 else "")
    assert len(outcomes) >= 200, summary


def test_the_fingerprint_sees_any_write(walk, db):
    """What "a refused POST changed nothing" rests on: a new row or a changed version shows."""
    from planning.models import Feature
    from trains.models import InboxItem

    feature = Feature.objects.filter(train=walk.train).first()
    for write in (
        lambda: Feature.objects.filter(pk=feature.pk).update(version=feature.version + 1),
        lambda: InboxItem.objects.filter(pk=InboxItem.objects.first().pk).delete(),
    ):
        with transaction.atomic():
            write()
            assert walk.fingerprint() != walk.baseline
            transaction.set_rollback(True)
    assert walk.fingerprint() == walk.baseline


def test_the_walk_reads_forms_as_a_browser_sends_them():
    reader = PageReader("/here/")
    reader.feed(
        '<form method="post" action="/x/" hx-post="/x/"><input name="a" value="1">'
        '<input type="checkbox" name="b" value="2" checked><input type="checkbox" name="c" value="3">'
        '<select name="d" multiple><option value="4" selected><option value="5" selected></select>'
        '<select name="e"><option value="6"><option value="7"></select>'
        '<textarea name="f">\nhi</textarea><input name="g" placeholder="dd/mm/yyyy"></form>'
    )
    (form,) = reader.forms
    assert form.htmx and form.method == "post" and form.action == "/x/"
    assert form.fields == [("a", "1"), ("b", "2"), ("d", "4"), ("d", "5"), ("e", "6"), ("f", "hi"), ("g", "")]
    assert form.kinds["d"] == "select-multiple" and form.kinds["g"] == "date"
    assert form.options == {"d": ["4", "5"], "e": ["6", "7"]}
