"""On the embedded default (a SQLite file), two people saving the same record at once: one save
succeeds and the other is refused with a 409 that says why, never a 500 "database is locked".

SQLite lets one connection write at a time. A transaction begun deferred reads, then asks for the
write lock while another connection writes: SQLite refuses it at once (waiting could deadlock),
whatever the timeout. The settings begin every transaction IMMEDIATE, so the second save waits for
the first at its start (up to `timeout`) and then meets the version the first one wrote: a 409
"changed by someone else". A wait longer than the timeout is a 409 too (trains/refusals.py).

The suite's own database is PostgreSQL (or an in-memory SQLite): this runs in a process of its own on
a SQLite file, as `make run` does, with two threads of requests through Django's test client.
"""

import json
import subprocess
import sys
import textwrap

from tests.processes import ROOT

SCRIPT = textwrap.dedent(
    """
    import json, os, sqlite3, sys, threading
    from datetime import timedelta

    path = sys.argv[1]
    os.environ.update(DJANGO_SETTINGS_MODULE="artops.test_settings", DATABASE_URL=f"sqlite:///{path}")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import Client
    from django.utils import timezone

    from planning.factories import FeatureFactory, ProgramIncrementFactory
    from planning.models import Feature
    from trains.factories import MembershipFactory, TeamFactory, TrainFactory, UserFactory
    from trains.models import Role
    from trains.services import api_token_create

    options = settings.DATABASES["default"]["OPTIONS"]
    report = {"options": {"timeout": options.get("timeout"), "mode": options.get("transaction_mode")}}
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:  # what migrations made on this file, beside the tables
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        report["triggers"] = sorted(name for (name,) in cursor.fetchall())
    train = TrainFactory(slug="orbit")
    team = TeamFactory(train=train, name="Apollo")
    today = timezone.localdate()
    pi = ProgramIncrementFactory(train=train, start_date=today + timedelta(days=7 - today.weekday()))
    iteration = pi.iterations.order_by("number").first()
    rte = UserFactory(username="rte")
    MembershipFactory(user=rte, train=train, role=Role.RTE)
    feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iteration, title="Checkout")
    token = api_token_create(user=rte, name="script")[1]
    edit_url = f"/trains/orbit/board/features/{feature.pk}/edit/"
    clients = [Client(raise_request_exception=False) for _ in range(2)]
    for client in clients:
        client.force_login(rte)
    connection.close()


    def edit(client, title, version):
        data = {
            "title": title, "kind": "feature", "state": "backlog", "team": team.pk,
            "iteration": iteration.pk, "business_value": 5, "time_criticality": 3,
            "risk_reduction": 2, "job_size": 5, "acceptance_criteria": "Given, when, then.",
            "description": "", "version": version,
        }
        response = client.post(edit_url, data, headers={"HX-Request": "true"})
        return response.status_code, response.content.decode()


    # 1. Two saves of the same feature at once, based on the same version, a few rounds.
    rounds = []
    for round_number in range(5):
        version = Feature.objects.get(pk=feature.pk).version
        connection.close()
        barrier, answers = threading.Barrier(2), [None, None]

        def save(i):
            barrier.wait()
            answers[i] = edit(clients[i], f"Checkout {round_number}.{i}", version)
            connections.close_all()

        threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        saved = Feature.objects.get(pk=feature.pk)
        rounds.append({"statuses": [a[0] for a in answers], "messages": [a[1] for a in answers],
                       "version": saved.version - version, "title": saved.title})
        connection.close()
    report["rounds"] = rounds

    # 2. A write that holds the file longer than the timeout: the save is refused, page and API.
    options["timeout"] = 0.3  # read by the next connection each thread opens
    holder = sqlite3.connect(path)
    holder.execute("BEGIN IMMEDIATE")
    before = Feature.objects.get(pk=feature.pk)
    connection.close()
    held = {}

    def blocked():
        held["page"] = edit(clients[0], "Never saved", before.version)
        api = Client(raise_request_exception=False).post(
            f"/api/v1/trains/orbit/features/{feature.pk}/move/",
            {"team": team.pk, "iteration": None},
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}", "If-Match": f'"{before.version}"'},
        )
        held["api"] = [api.status_code, api.content.decode()]
        connections.close_all()

    thread = threading.Thread(target=blocked)
    thread.start()
    thread.join()
    holder.rollback()
    holder.close()
    after = Feature.objects.get(pk=feature.pk)
    held["unchanged"] = (after.version, after.title, after.iteration_id) == (
        before.version, before.title, before.iteration_id)
    report["held"] = held
    print(json.dumps(report))
    """
)


def run(tmp_path) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "db.sqlite3")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "DEBUG": "false",
            "SECRET_KEY": "contention",
            "SESSION_COOKIE_SECURE": "false",
            "ALLOWED_HOSTS": "testserver",
        },
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_concurrent_saves_on_sqlite_give_one_success_and_one_409_never_a_500(tmp_path):
    report = run(tmp_path)

    assert report["options"] == {"timeout": 10, "mode": "IMMEDIATE"}
    # Rebuilding the PI's table for its date range (planning 0011) kept the iterations' triggers.
    assert {"iteration_within_pi_INSERT", "iteration_within_pi_UPDATE", "pi_contains_iterations"} <= set(
        report["triggers"]
    )
    for round_ in report["rounds"]:
        # One saved (htmx: 204 and the board's event), the other told someone else saved first.
        assert sorted(round_["statuses"]) == [204, 409], round_
        refused = round_["messages"][round_["statuses"].index(409)]
        assert "Someone else saved this feature" in refused, round_
        assert round_["version"] == 1, round_  # exactly one save landed

    page_status, page_message = report["held"]["page"]
    assert page_status == 409 and "Someone else was saving at the same moment" in page_message
    api_status, api_body = report["held"]["api"]
    assert api_status == 409 and json.loads(api_body)["code"] == "conflict", api_body
    assert report["held"]["unchanged"]
