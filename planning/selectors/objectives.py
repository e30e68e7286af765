"""Reads for team PI objectives, their business value and predictability (domain.md §4.1).

One selector serves the objectives page and the Business Owner view: every team of the train with
its committed and uncommitted objectives (linked features prefetched), its predictability figure,
and the ART's, in a constant number of queries however many teams and objectives there are.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch

from planning.calculations import (
    PREDICTABILITY_BAND,
    ObjectiveValue,
    PiPredictability,
    PredictabilityFigure,
    VoteSummary,
    band_position,
    percent_text,
    pi_predictability,
)
from planning.models import Feature, PIObjective, ProgramIncrement
from trains.models import Team

from .votes import latest_vote_results


@dataclass
class TeamObjectives:
    """One team's objectives for a PI, committed first, with its §4.1 figure."""

    team: Team
    committed: list[PIObjective]
    uncommitted: list[PIObjective]
    figure: PredictabilityFigure
    features: list[Feature] = field(default_factory=list)
    vote: VoteSummary | None = None

    @property
    def band(self) -> str | None:
        return band_position(self.figure.percent)

    @property
    def objectives(self) -> list[PIObjective]:
        return self.committed + self.uncommitted


@dataclass
class ObjectivesOverview:
    """A PI's objectives for every team shown, and the ART-wide figures (always over all teams)."""

    pi: ProgramIncrement
    teams: list[TeamObjectives]
    predictability: PiPredictability
    train_teams: list[Team]
    art_vote: VoteSummary | None = None
    band: tuple[float, float] = PREDICTABILITY_BAND

    @property
    def art(self) -> PredictabilityFigure:
        return self.predictability.art

    @property
    def art_band(self) -> str | None:
        return band_position(self.predictability.art.percent)

    @property
    def mean_band(self) -> str | None:
        return band_position(self.predictability.mean_of_teams)

    @property
    def mean_partial(self) -> bool:
        """The mean of team percentages is no result while a team's figure in it is partial."""
        return any(f.percent is not None and f.partial_text for f in self.predictability.teams.values())

    @property
    def mean_text(self) -> str:
        return percent_text(self.predictability.mean_of_teams, PREDICTABILITY_BAND)

    @property
    def teams_with_figure(self) -> int:
        return sum(1 for figure in self.predictability.teams.values() if figure.percent is not None)


def _value(objective: PIObjective) -> ObjectiveValue:
    return ObjectiveValue(
        is_committed=objective.is_committed,
        planned=objective.planned_business_value,
        actual=objective.actual_business_value,
    )


def pi_objectives(
    pi: ProgramIncrement,
    *,
    team_id: int | None = None,
    with_features: bool = False,
    with_votes: bool = False,
) -> ObjectivesOverview:
    """Every team of the PI's train (or only ``team_id``) with its objectives and figures.

    The ART figure and the mean of team percentages always cover the whole train, so filtering the
    page to one team never changes them. ``with_features`` adds each team's features in the PI (the
    choices for linking); ``with_votes`` each scope's latest confidence vote. Queries: teams,
    objectives, their linked features, plus one for features and one for votes when asked.
    """
    teams = list(Team.objects.filter(train_id=pi.train_id).order_by("position", "name"))
    linked = Prefetch(
        "features", queryset=Feature.objects.only("id", "title", "team_id", "pi_id").order_by("title")
    )
    objectives = (
        PIObjective.objects.filter(pi=pi, team__train_id=pi.train_id)
        .order_by("team_id", "-is_committed", "position", "pk")
        .prefetch_related(linked)
    )
    by_team: dict[int, list[PIObjective]] = defaultdict(list)
    for objective in objectives:
        by_team[objective.team_id].append(objective)
    figures = pi_predictability(
        {team.pk: [_value(objective) for objective in by_team[team.pk]] for team in teams}
    )
    features_by_team: dict[int, list[Feature]] = defaultdict(list)
    if with_features:
        for feature in (
            Feature.objects.filter(pi=pi, team__isnull=False)
            .only("id", "title", "team_id", "pi_id")
            .order_by("title")
        ):
            features_by_team[feature.team_id].append(feature)
    votes = latest_vote_results(pi) if with_votes else {}
    shown = [team for team in teams if team_id is None or team.pk == team_id]
    return ObjectivesOverview(
        pi=pi,
        teams=[
            TeamObjectives(
                team=team,
                committed=[objective for objective in by_team[team.pk] if objective.is_committed],
                uncommitted=[objective for objective in by_team[team.pk] if not objective.is_committed],
                figure=figures.teams[team.pk],
                features=features_by_team[team.pk],
                vote=votes.get(team.pk),
            )
            for team in shown
        ],
        predictability=figures,
        train_teams=teams,
        art_vote=votes.get(None),
    )


def team_features(pi: ProgramIncrement, team_id: int) -> list[Feature]:
    """A team's features in a PI: what its objectives may link to."""
    return list(
        Feature.objects.filter(pi=pi, team_id=team_id)
        .only("id", "title", "team_id", "pi_id")
        .order_by("title")
    )


def predictability_by_team(pi: ProgramIncrement) -> PiPredictability:
    """§4.1 for a PI, keyed by team in the train's order, over the teams with objectives in it.

    For screens that show the figures without the objectives (the I&A review): two queries, the
    objectives' values and their teams.
    """
    values: dict[int, list[ObjectiveValue]] = defaultdict(list)
    for team_id, is_committed, planned, actual in PIObjective.objects.filter(
        pi=pi, team__train_id=pi.train_id
    ).values_list("team_id", "is_committed", "planned_business_value", "actual_business_value"):
        values[team_id].append(ObjectiveValue(is_committed=is_committed, planned=planned, actual=actual))
    teams = Team.objects.filter(pk__in=list(values)).order_by("position", "name")
    return pi_predictability({team: values[team.pk] for team in teams})
