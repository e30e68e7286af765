"""Reads for the confidence vote (domain.md §4.2)."""

from collections import defaultdict

from planning.calculations import VoteSummary, vote_summary
from planning.models import ConfidenceVote, ProgramIncrement


def latest_vote_results(pi: ProgramIncrement) -> dict[int | None, VoteSummary]:
    """Each scope's latest round summarised, keyed by team id (None: the ART). One query.

    The latest round is the result: an earlier one was voted down and the plan reworked.
    """
    rounds: dict[int | None, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for team_id, number, score in ConfidenceVote.objects.filter(round__pi=pi).values_list(
        "round__team_id", "round__number", "score"
    ):
        rounds[team_id][number].append(score)
    return {team_id: vote_summary(by_number[max(by_number)]) for team_id, by_number in rounds.items()}
