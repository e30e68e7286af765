"""The API against its own OpenAPI document: schemathesis generates requests for every operation the
schema lists (whatever endpoints exist when it runs) and checks that none answers 5xx and that every
response conforms to the schema (its status code declared, its body of the declared shape).

The schema is loaded from the running Django app (`/api/schema/`, in-process over WSGI). Each
operation is one test, on a small train with some of everything (tests/api/world.py plus features,
dependencies, risks, …; built once, each test's writes rolled back), called as its RTE with a
personal token. Path parameters are pointed at
that train's real rows, so each operation does its real work rather than answering 404; the query,
headers and bodies are generated. Bounded and derandomized: a handful of examples per operation,
the same ones on every run.
"""

import os
import re
from datetime import timedelta

import pytest
import schemathesis
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from metrics.services import pi_snapshot_compute
from planning.factories import (
    DependencyFactory,
    FeatureFactory,
    MilestoneFactory,
    PIObjectiveFactory,
    ProgramIncrementFactory,
    StoryFactory,
    TeamCapacityFactory,
    VoteRoundFactory,
)
from planning.imports.services import import_run_create
from risks.factories import (
    ActionItemFactory,
    ArtSyncFactory,
    ImpedimentFactory,
    ImprovementItemFactory,
    RiskFactory,
)
from risks.services.demos import demo_follow_up_add, system_demo_plan
from risks.services.inspect_adapt import problem_create
from trains.webhooks.services import emit, webhook_create

from .world import World, build_world

EXAMPLES = 10
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 7,
        # Valid and invalid data alike; the example that failed is reported as found, not shrunk.
        "generation": {"max-examples": EXAMPLES, "mode": "all", "no-shrink": True, "deterministic": True},
        # The coverage phase (every boundary of every parameter, unbounded by max-examples) would
        # take minutes: ARTOPS_SCHEMATHESIS_COVERAGE=1 runs it too.
        "phases": {"coverage": {"enabled": os.environ.get("ARTOPS_SCHEMATHESIS_COVERAGE") == "1"}},
    }
)
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=CONFIG)

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
# A path parameter and the collection it follows: ("features", "id") in ".../features/{id}/move/".
PARAMETER = re.compile(r"([\w-]*)/\{(\w+)\}")


def demo_world() -> World:
    """The API tests' train with a little of everything a path can name, as the demo has."""
    world = build_world()
    train, pi, rte = world.train, world.pi, world.users["rte"]
    iteration = pi.iterations.order_by("number").first()
    features = [
        FeatureFactory(train=train, pi=pi, team=world.team_a, iteration=iteration),
        FeatureFactory(train=train, pi=pi, team=world.team_b, iteration=iteration),
    ]
    sync = ArtSyncFactory(pi=pi)
    demo = system_demo_plan(iteration=iteration, actor=rte)
    world.extra = {
        "features": features[0].pk,
        "dependencies": DependencyFactory(
            pi=pi,
            requesting_team=world.team_a,
            providing_team=world.team_b,
            requesting_feature=features[0],
            providing_feature=features[1],
            needed_by_iteration=iteration,
        ).pk,
        "milestones": MilestoneFactory(pi=pi).pk,
        "iterations": iteration.pk,
        "risks": RiskFactory(train=train, pi=pi).pk,
        "impediments": ImpedimentFactory(team=world.team_a).pk,
        "improvement-items": ImprovementItemFactory(source_pi=pi).pk,
        "art-syncs": sync.pk,
        "action-items": ActionItemFactory(raised_in=sync, owner=rte).pk,
        "system-demos": demo.pk,
        "demo-items": demo.items.order_by("pk").first().pk,
        "demo-follow-ups": demo_follow_up_add(demo=demo, title="Rerun the demo on staging", actor=rte).pk,
        "problems": problem_create(pi=pi, statement="Integration found late", actor=rte).pk,
        "stories": StoryFactory(team=world.team_a, feature=features[0], iteration=iteration).pk,
        "objectives": PIObjectiveFactory(pi=pi, team=world.team_a).pk,
        "vote-rounds": VoteRoundFactory(pi=pi).pk,
        "capacity": TeamCapacityFactory(team=world.team_a, iteration=iteration).pk,
        "teams": world.team_a.pk,
        "pis": pi.pk,
    }
    # An uploaded export waiting for its apply (a dry run's subject).
    world.extra["imports"] = import_run_create(
        train=train,
        pi=pi,
        source="jira",
        upload=ContentFile(b"Summary,Issue key,Issue Type\r\nCheckout,ART-1,Epic\r\n", name="jira.csv"),
        actor=rte,
    ).pk
    webhook, _ = webhook_create(
        train=train, url="https://hooks.example.com/a", events=["feature.moved"], actor=rte
    )
    world.extra["webhooks"] = webhook.pk
    # Delivery events of team a (planning/services/delivery.py).
    from datetime import UTC, datetime

    from planning.services.delivery import defect_record, deployment_record, incident_record

    when = datetime.combine(pi.start_date + timedelta(days=3), datetime.min.time(), tzinfo=UTC)
    world.extra["deployments"] = deployment_record(
        train=train, actor=rte, team=world.team_a, service="checkout", deployed_at=when, reference="run-1"
    ).event.pk
    world.extra["incidents"] = incident_record(
        train=train, actor=rte, team=world.team_a, service="checkout", title="Down", started_at=when
    ).event.pk
    world.extra["defects"] = defect_record(
        train=train, actor=rte, team=world.team_a, feature=features[0], title="Rounding", found_at=when
    ).event.pk
    (world.extra["deliveries"],) = emit(train=train, event="feature.moved", data={"feature": {"id": 1}})
    world.extra["by_name"] = {
        "slug": train.slug,
        "pi_id": pi.pk,
        "team_id": world.team_a.pk,
        "iteration_id": iteration.pk,
    }
    # An earlier PI, closed with figures, so the reads across PIs have something to show.
    ProgramIncrementFactory(
        train=train, name="PI 6", start_date=pi.start_date - timedelta(days=70), state="closed"
    )
    pi_snapshot_compute(pi=pi)
    return world


def real_path_parameters(path: str, world: World) -> dict:
    """Each `{name}` of the path template set to the world's row: by its name (`{pi_id}`, `{team_id}`),
    else by the collection it follows (`features/{id}` a feature); one the world lacks keeps its
    generated value (a 404, still checked against the schema)."""
    values = {}
    for collection, name in PARAMETER.findall(path):
        if name in world.extra["by_name"]:
            values[name] = world.extra["by_name"][name]
        elif collection in world.extra:
            values[name] = world.extra[collection]
    return values


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker):
    """One world for all the operations, in a transaction rolled back at the end; each test runs in
    a savepoint inside it (pytest-django's), so what one operation writes is gone for the next."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield demo_world()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def world(shared_world, settings):
    settings.ALLOWED_HOSTS = ["*"]  # schemathesis calls the app as "localhost"
    cache.clear()  # a fresh throttle budget for each operation
    # The app is called over WSGI, not through Django's test client: keep the request's end from
    # closing the test's connection (inside its transaction), as the test client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield shared_world
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_its_schema_says(case, world):
    case.path_parameters = {**(case.path_parameters or {}), **real_path_parameters(case.path, world)}
    case.call_and_validate(
        headers={"Authorization": f"Bearer {world.tokens['rte']}"},
        checks=CHECKS,
    )


@pytest.mark.django_db
def test_the_world_has_a_row_for_every_path_parameter_the_schema_has(world):
    """A new collection in a path needs a row in demo_world, or its operations would only meet 404."""
    unresolved = {
        f"{collection}/{{{name}}}"
        for operation in schema.get_all_operations()
        for collection, name in PARAMETER.findall(operation.ok().path)
        if name not in world.extra["by_name"] and collection not in world.extra
    }
    assert not unresolved, f"Add to demo_world: {sorted(unresolved)}"


@pytest.mark.django_db
def test_options_on_every_path_describes_it_without_failing(world):
    """OPTIONS is no operation of the schema, so the generated tests never send it (the coverage
    phase does): every path answers it with its name and the schema's address."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {world.tokens['rte']}")
    paths = {operation.ok().path for operation in schema.get_all_operations()}
    for path in sorted(paths):
        # A file format in the path ("plan.{fmt}") follows no collection: any of the formats.
        url = path.format(**{"fmt": "csv", **real_path_parameters(path, world)})
        response = client.options(url)
        assert response.status_code == 200, (url, response.status_code)
        assert response.json()["schema"].endswith("/api/schema/")
