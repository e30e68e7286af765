"""The plain-SQL reads of the hottest requests (artops/rows.py) give what the ORM gives."""

import pytest
from django.utils import timezone

from planning.factories import FeatureFactory
from planning.models import Feature, ProgramIncrement
from planning.selectors import card_for_user
from trains.models import Train
from trains.selectors import train_for_user

pytestmark = pytest.mark.django_db


def same_fields(model, ours, theirs) -> None:
    for field in model._meta.concrete_fields:
        mine, orm = getattr(ours, field.attname), getattr(theirs, field.attname)
        assert (mine, type(mine)) == (orm, type(orm)), field.name


def test_a_card_read_in_plain_sql_equals_the_orms_field_for_field(rte, train, pi, team):
    iteration = pi.iterations.order_by("number").first()
    feature = FeatureFactory(
        train=train, pi=pi, team=team, iteration=iteration, state="implementing", started_at=timezone.now()
    )

    found, access, card = card_for_user(rte, train.slug, feature.pk)

    same_fields(Feature, card, Feature.objects.get(pk=feature.pk))
    same_fields(ProgramIncrement, card.pi, ProgramIncrement.objects.get(pk=pi.pk))
    assert card.started_at is not None and card.pi.start_date < card.pi.end_date  # real dates, not text
    same_fields(Train, found, Train.objects.get(pk=train.pk))
    assert access.has("rte")


def test_a_card_is_not_found_for_an_outsider_elsewhere_or_in_no_pi(rte, outsider, train, pi):
    from django.http import Http404

    mine = FeatureFactory(train=train, pi=pi)
    other_train = Train.objects.get(slug="elsewhere")
    for user, slug, pk in [
        (outsider, train.slug, mine.pk),  # no role on the train
        (rte, train.slug, FeatureFactory(train=other_train).pk),  # another train's card
        (rte, train.slug, FeatureFactory(train=train, pi=None).pk),  # in no PI: not on a board
        (rte, train.slug, 0),
    ]:
        with pytest.raises(Http404):
            card_for_user(user, slug, pk)


def test_the_train_read_in_plain_sql_equals_the_orms_and_carries_every_role(rte, scrum_master, train, team):
    found, access = train_for_user(scrum_master, train.slug)

    same_fields(Train, found, Train.objects.get(pk=train.pk))
    assert access.team_ids("scrum_master") == {team.pk}


def test_a_prepared_read_gives_the_plain_reads_rows_and_is_planned_once_per_connection(settings, train, pi):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from artops.rows import fetch_prepared

    sql = 'SELECT "id", "name" FROM "planning_programincrement" WHERE "train_id" = %s AND "id" >= %s'
    with connection.cursor() as cursor:
        cursor.execute(sql, [train.pk, pi.pk])
        plain = cursor.fetchall()

    assert fetch_prepared("test_rows_read", sql, [train.pk, pi.pk]) == plain == [(pi.pk, pi.name)]
    with CaptureQueriesContext(connection) as again:
        assert fetch_prepared("test_rows_read", sql, [train.pk, pi.pk]) == plain
    prepares = [q["sql"] for q in again.captured_queries if q["sql"].startswith("PREPARE")]
    assert prepares == []  # planned once per connection, not per call

    settings.DATABASE_PREPARED_STATEMENTS = False  # behind PgBouncer in transaction mode
    with CaptureQueriesContext(connection) as off:
        assert fetch_prepared("test_rows_other", sql, [train.pk, pi.pk]) == plain
    assert [q["sql"] for q in off.captured_queries] == [
        sql.replace("%s", str(train.pk), 1).replace("%s", str(pi.pk))
    ]


def test_a_signed_in_user_is_loaded_as_django_would_and_an_inactive_one_is_signed_out(client, rte):
    from django.contrib.auth import get_user_model

    from artops.auth import UserRowBackend

    loaded = UserRowBackend().get_user(rte.pk)
    same_fields(get_user_model(), loaded, get_user_model().objects.get(pk=rte.pk))
    assert UserRowBackend().get_user(0) is None

    client.force_login(rte)
    assert client.get("/trains/").status_code == 200
    get_user_model().objects.filter(pk=rte.pk).update(is_active=False)
    assert client.get("/trains/").status_code == 302  # to the login page


def test_a_session_signed_in_through_djangos_own_backend_stays_valid(client, rte):
    from django.contrib.auth import BACKEND_SESSION_KEY

    client.force_login(rte, backend="django.contrib.auth.backends.ModelBackend")  # as before UserRowBackend
    assert client.session[BACKEND_SESSION_KEY] == "django.contrib.auth.backends.ModelBackend"
    assert client.get("/trains/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_stale_or_lost_prepared_statement_is_replaced_not_failed_on(train):
    from django.db import connection

    from artops.rows import _prepared, fetch_prepared

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    sql = 'SELECT "id", "slug" FROM "trains_train" WHERE "id" = %s'
    with connection.cursor() as cursor:  # left from before a migration: another result type
        cursor.execute("PREPARE test_rows_stale AS SELECT 'old'::text")
    assert fetch_prepared("test_rows_stale", sql, [train.pk]) == [(train.pk, train.slug)]

    with connection.cursor() as cursor:  # lost behind our back (a pooler, a DISCARD ALL)
        cursor.execute("DEALLOCATE test_rows_stale")
    assert fetch_prepared("test_rows_stale", sql, [train.pk]) == [(train.pk, train.slug)]
    assert "test_rows_stale" not in _prepared[connection.connection]
    assert fetch_prepared("test_rows_stale", sql, [train.pk]) == [(train.pk, train.slug)]  # prepared afresh
    assert "test_rows_stale" in _prepared[connection.connection]
