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


def test_a_card_read_in_plain_sql_equals_the_orms_field_for_field(train, pi, team):
    iteration = pi.iterations.order_by("number").first()
    feature = FeatureFactory(
        train=train, pi=pi, team=team, iteration=iteration, state="implementing", started_at=timezone.now()
    )

    card = card_for_user(train, feature.pk)

    same_fields(Feature, card, Feature.objects.get(pk=feature.pk))
    same_fields(ProgramIncrement, card.pi, ProgramIncrement.objects.get(pk=pi.pk))
    assert card.started_at is not None and card.pi.start_date < card.pi.end_date  # real dates, not text


def test_the_train_read_in_plain_sql_equals_the_orms_and_carries_every_role(rte, scrum_master, train, team):
    found, access = train_for_user(scrum_master, train.slug)

    same_fields(Train, found, Train.objects.get(pk=train.pk))
    assert access.team_ids("scrum_master") == {team.pk}
