"""A realistic Jira export of the demo train's next PI imports into its teams and sprints."""

import io

from artops.demo import build_demo
from planning.imports.services import import_file
from planning.models import Dependency, Feature, ProgramIncrement, Story
from trains.models import Membership, Role

from .import_files import export, realistic_export


def test_a_realistic_export_imports_into_the_demo_train_and_a_newer_one_updates_it(db):
    train, _ = build_demo()
    pi = ProgramIncrement.objects.get(train=train, state=ProgramIncrement.State.DRAFT)
    number = int(pi.name.split()[-1])
    teams = list(train.teams.values_list("name", flat=True))
    rte = Membership.objects.filter(train=train, role=Role.RTE).first().user
    rows = realistic_export(project="AUR", pi_number=number, teams=teams)
    data = export(rows)

    plan = import_file(train=train, pi=pi, source="jira", file=io.BytesIO(data), actor=rte).plan
    assert plan.problems == []
    assert {row.source: row.target for row in plan.sprints}[f"Borealis {number}.3"] == pi.iterations.get(
        number=3
    ).pk
    assert all(row.target is not None for row in plan.teams if row.source in teams)

    import_file(train=train, pi=pi, source="jira", file=io.BytesIO(data), actor=rte, apply=True)
    imported = Feature.objects.filter(train=train, external_key__startswith="AUR-")
    assert imported.count() == len(teams) * 3
    assert imported.filter(kind="enabler").count() == len(teams)
    assert set(imported.values_list("team__name", flat=True)) == set(teams)
    stories = Story.objects.filter(team__train=train, external_key__startswith="AUR-")
    assert stories.count() == len(teams) * 3 * 4
    assert stories.filter(iteration__pi=pi).count() == stories.count()
    assert Dependency.objects.filter(pi=pi, description__startswith="AUR-").count() == (len(teams) - 1) * 3

    newer = [list(values) for values in rows]
    newer[1][0] = "Borealis story, renamed in Jira"
    newer[1][4] = "Done"
    plan = import_file(
        train=train, pi=pi, source="jira", file=io.BytesIO(export(newer)), actor=rte, apply=True
    ).plan
    assert plan.counts()["stories"]["update"] == 1 and plan.counts()["stories"]["create"] == 0
    assert plan.counts()["features"]["create"] == 0
    assert Story.objects.filter(team__train=train, external_key__startswith="AUR-").count() == len(teams) * 12
    assert Feature.objects.filter(train=train, external_key__startswith="AUR-").count() == len(teams) * 3
