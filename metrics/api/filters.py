import django_filters

from trains.models import Team

from ..models import Snapshot


def _train_teams(request):
    """Only the train's own teams are valid choices: another train's team id is refused like an
    unknown one, so the filter tells nothing about other trains."""
    if request is None:  # the schema generator
        return Team.objects.none()
    return Team.objects.filter(train__slug=request.parser_context["kwargs"]["slug"])


class SnapshotFilter(django_filters.FilterSet):
    metric = django_filters.MultipleChoiceFilter(
        choices=Snapshot.Metric.choices, help_text="One or more figures (repeat the parameter)."
    )
    team = django_filters.ModelChoiceFilter(queryset=_train_teams, help_text="One team's figures.")
    # A choice rather than django-filter's BooleanFilter, which ignores a value it cannot read
    # ("art=perhaps" would list everything) instead of refusing it.
    art = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_art",
        help_text="true: the ART's figures only; false: the teams' figures only.",
    )
    day = django_filters.DateFromToRangeFilter(
        help_text="Days from `day_after` to `day_before` (ISO dates, both included)."
    )

    def filter_art(self, rows, name, value):
        return rows.filter(team__isnull=value == "true")

    class Meta:
        model = Snapshot
        fields = ["metric", "team", "art", "day"]
