"""A team's stories during PI Planning: create, estimate, move, link to a feature, delete."""

import pytest
from django.core.exceptions import ValidationError

from planning.factories import FeatureFactory, ProgramIncrementFactory, StoryFactory
from planning.models import Story
from planning.selectors.capacity import capacity_grid
from planning.services.stories import story_create, story_delete, story_update
from trains.errors import NotAllowed, StaleVersion


def test_creating_a_story_adds_its_points_to_the_load(pi, team, iterations, scrum_master):
    feature = FeatureFactory(train=team.train, pi=pi, team=team)
    story = story_create(
        team=team,
        title=" Login form ",
        points=5,
        feature=feature,
        iteration=iterations[1],
        actor=scrum_master,
    )
    assert (story.title, story.version) == ("Login form", 1)
    assert capacity_grid(pi).cell(team.pk, iterations[1].pk).load == 5
    pi.refresh_from_db()
    assert pi.board_version == 1


def test_estimating_and_moving_a_story_moves_its_load(pi, team, iterations, rte):
    story = StoryFactory(team=team, iteration=iterations[0], points=3)
    updated = story_update(story=story, expected_version=1, actor=rte, points=8, iteration=iterations[2])
    assert updated.version == 2
    grid = capacity_grid(pi)
    assert (grid.cell(team.pk, iterations[0].pk).load, grid.cell(team.pk, iterations[2].pk).load) == (0, 8)


def test_unscheduling_a_story_takes_it_out_of_the_load(pi, team, iterations, rte):
    story = StoryFactory(team=team, iteration=iterations[0], points=3)
    story_update(story=story, expected_version=1, actor=rte, iteration=None)
    assert capacity_grid(pi).cell(team.pk, iterations[0].pk).load == 0


def test_assigning_a_story_to_a_feature_of_its_team(pi, team, rte):
    feature = FeatureFactory(train=team.train, pi=pi, team=team)
    story = StoryFactory(team=team)
    story_update(story=story, expected_version=1, actor=rte, feature=feature)
    story.refresh_from_db()
    assert story.feature == feature


@pytest.mark.parametrize(
    ("points", "message"),
    [(-1, "cannot be negative"), ("3", "whole number"), (2.5, "whole number"), (None, "whole number")],
)
def test_bad_points_are_refused_on_the_field_and_nothing_is_saved(team, rte, points, message):
    story = StoryFactory(team=team, points=3)
    with pytest.raises(ValidationError) as refused:
        story_update(story=story, expected_version=1, actor=rte, points=points)
    assert message in refused.value.message_dict["points"][0]
    story.refresh_from_db()
    assert (story.points, story.version) == (3, 1)
    with pytest.raises(ValidationError):
        story_create(team=team, title="New", points=points, actor=rte)
    assert Story.objects.count() == 1


def test_a_feature_of_another_team_or_pi_is_refused(pi, team, other_team, iterations, rte):
    theirs = FeatureFactory(train=team.train, pi=pi, team=other_team)
    with pytest.raises(ValidationError) as refused:
        story_create(team=team, title="S", points=1, feature=theirs, actor=rte)
    assert "feature" in refused.value.message_dict
    later = FeatureFactory(
        train=team.train, pi=ProgramIncrementFactory(train=team.train, name="PI 9"), team=team
    )
    with pytest.raises(ValidationError):
        story_create(team=team, title="S", points=1, feature=later, iteration=iterations[0], actor=rte)
    assert not Story.objects.exists()


def test_an_empty_title_is_refused(team, rte):
    with pytest.raises(ValidationError) as refused:
        story_create(team=team, title="  ", points=1, actor=rte)
    assert "title" in refused.value.message_dict


def test_a_stale_story_edit_or_delete_is_refused(team, rte, product_manager):
    story = StoryFactory(team=team, points=3)
    story_update(story=story, expected_version=1, actor=product_manager, points=5)
    with pytest.raises(StaleVersion) as stale:
        story_update(story=story, expected_version=1, actor=rte, points=1)
    assert stale.value.current.points == 5
    with pytest.raises(StaleVersion):
        story_delete(story=story, expected_version=1, actor=rte)
    assert Story.objects.get().points == 5


def test_deleting_a_story_takes_it_off_the_load(pi, team, iterations, scrum_master):
    story = StoryFactory(team=team, iteration=iterations[0], points=3)
    story_delete(story=story, expected_version=1, actor=scrum_master)
    assert not Story.objects.exists()
    assert capacity_grid(pi).cell(team.pk, iterations[0].pk).load == 0


def test_a_scrum_master_plans_only_their_own_teams_stories(other_team, scrum_master):
    theirs = StoryFactory(team=other_team)
    with pytest.raises(NotAllowed):
        story_create(team=other_team, title="S", points=1, actor=scrum_master)
    with pytest.raises(NotAllowed):
        story_update(story=theirs, expected_version=1, actor=scrum_master, points=1)
    with pytest.raises(NotAllowed):
        story_delete(story=theirs, expected_version=1, actor=scrum_master)


@pytest.mark.parametrize("persona", ["viewer", "team_member", "business_owner", "outsider"])
def test_readers_and_outsiders_cannot_change_stories(request, team, persona):
    user = request.getfixturevalue(persona)
    story = StoryFactory(team=team)
    with pytest.raises(NotAllowed):
        story_create(team=team, title="S", points=1, actor=user)
    with pytest.raises(NotAllowed):
        story_update(story=story, expected_version=1, actor=user, points=1)
    with pytest.raises(NotAllowed):
        story_delete(story=story, expected_version=1, actor=user)
