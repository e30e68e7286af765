"""Metrics over the API: stored snapshots, their day-by-day series, the dashboard's cards, and the state
of a PI's recompute. Everything here reads what a recompute stored; nothing is computed in the request."""

from rest_framework import serializers

from ..models import Snapshot


class SnapshotSerializer(serializers.ModelSerializer):
    team_name = serializers.CharField(source="team.name", read_only=True, allow_null=True, default=None)
    data = serializers.JSONField(help_text="The inputs and the breakdown behind the value (per metric).")

    class Meta:
        model = Snapshot
        fields = ["id", "pi", "team", "team_name", "metric", "day", "value", "data", "computed_at"]


class PointSerializer(serializers.Serializer):
    day = serializers.DateField()
    value = serializers.FloatField(allow_null=True, help_text="Empty when the figure is undefined that day.")


class SeriesSerializer(serializers.Serializer):
    """One figure of the ART (team empty) or of one team, day by day."""

    metric = serializers.ChoiceField(choices=Snapshot.Metric.choices)
    label = serializers.CharField()
    team = serializers.IntegerField(allow_null=True, help_text="Empty: the ART.")
    team_name = serializers.CharField(allow_null=True)
    points = PointSerializer(many=True)


class SeriesListSerializer(serializers.Serializer):
    pi = serializers.IntegerField()
    series = SeriesSerializer(many=True)


# --- the dashboard -----------------------------------------------------------------------------------


class TableSerializer(serializers.Serializer):
    """A chart's numbers as the dashboard writes them (its accessible table): the first column labels rows."""

    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))


class ChartCardSerializer(serializers.Serializer):
    """A chart of the dashboard with where its numbers come from (metrics.dashboard.Card)."""

    id = serializers.CharField(source="chart.id")
    title = serializers.CharField(source="chart.title")
    description = serializers.CharField(source="chart.description")
    table = TableSerializer(source="chart.table")
    legend = serializers.SerializerMethodField()
    empty = serializers.BooleanField(source="chart.empty", help_text="No data to draw yet.")
    source = serializers.CharField(help_text="What the numbers were computed from.")
    as_of = serializers.CharField(help_text="The moment the figures describe, in words; empty when unknown.")
    computed_at = serializers.DateTimeField(allow_null=True)
    notes = serializers.ListField(child=serializers.CharField(), help_text="What explains a gap, in words.")

    def get_legend(self, card) -> list[str]:
        return [name for name, _css in card.chart.legend]


class TileSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.CharField()
    detail = serializers.CharField()
    status = serializers.CharField(
        help_text='"good", "warn", "bad", or empty where no healthy range applies.'
    )


class TeamRowSerializer(serializers.Serializer):
    name = serializers.CharField()
    cells = serializers.ListField(child=serializers.CharField())


class TeamTableSerializer(serializers.Serializer):
    columns = serializers.ListField(child=serializers.CharField())
    rows = TeamRowSerializer(many=True)


class RecomputeStateSerializer(serializers.Serializer):
    """Where a PI's figures stand against its plan, and what the recompute that catches up is doing."""

    pi = serializers.IntegerField()
    phase = serializers.ChoiceField(
        choices=["never", "fresh", "stale", "queued", "running", "failed"],
        help_text="never: no figures yet and nothing asked; fresh: the figures cover every change; "
        "stale: changes not covered yet and no recompute under way; queued / running: a recompute is "
        "waiting for a worker / computing; failed: the last run failed and none is under way.",
    )
    stale = serializers.BooleanField(help_text="The plan changed since the figures were computed.")
    change_seq = serializers.IntegerField(help_text="The PI's latest change number.")
    computed_seq = serializers.IntegerField(
        help_text="The change number the stored figures cover: a recompute answered `covers` once this "
        "reaches it."
    )
    stale_since = serializers.DateTimeField(allow_null=True)
    queued_at = serializers.DateTimeField(allow_null=True)
    running_since = serializers.DateTimeField(allow_null=True)
    last_computed_at = serializers.DateTimeField(allow_null=True)
    runs = serializers.IntegerField(help_text="Completed recomputes.")
    last_error = serializers.CharField()
    last_error_at = serializers.DateTimeField(allow_null=True)


class RecomputeRequestedSerializer(RecomputeStateSerializer):
    covers = serializers.IntegerField(
        help_text="The change number the figures will cover once this request is answered: poll the "
        "state until `computed_seq` reaches it."
    )


class DeliveryFigureSerializer(serializers.Serializer):
    """One of the Delivery section's five figures for the ART (metrics.dashboard.delivery)."""

    metric = serializers.ChoiceField(choices=Snapshot.Metric.choices)
    label = serializers.CharField()
    value = serializers.CharField(help_text='As the page writes it; "—" for no figure.')
    detail = serializers.CharField(help_text="What the figure rests on, in words.")
    definition = serializers.CharField(
        help_text="What counts, the window, the unit, when there is no figure."
    )
    level = serializers.CharField(
        help_text='DORA performance level ("Elite", "High", "Medium", "Low"); empty for none.'
    )
    level_band = serializers.CharField(help_text="The published band of that level.")
    status = serializers.CharField(
        help_text='"good" / "bad" against the change failure band (below 15 %); else empty.'
    )
    reason = serializers.CharField(help_text="Why there is no figure; empty when there is one.")


class DeliveryCellSerializer(serializers.Serializer):
    text = serializers.CharField()
    level = serializers.CharField()


class DeliveryRowSerializer(serializers.Serializer):
    name = serializers.CharField()
    cells = DeliveryCellSerializer(many=True)


class DeliverySectionSerializer(serializers.Serializer):
    """The dashboard's Delivery section: DORA figures and defect escape rate, ART and teams."""

    source = serializers.CharField(help_text="The published DORA levels used.")
    computed_at = serializers.DateTimeField(allow_null=True)
    as_of = serializers.CharField(help_text="The moment the figures describe, in words.")
    figures = DeliveryFigureSerializer(many=True)
    columns = serializers.ListField(child=serializers.CharField())
    rows = DeliveryRowSerializer(many=True, help_text="The ART first, then each team.")
    iterations = DeliveryRowSerializer(many=True, help_text="The ART's figures per iteration.")
    open_summary = serializers.CharField(help_text="Incidents (and failed deployments) still open.")
    across_pis = ChartCardSerializer(many=True, source="cards", help_text="The ART's five figures per PI.")


class DashboardSerializer(serializers.Serializer):
    """The PI's dashboard as the page draws it, from the latest computed day of its snapshots."""

    pi = serializers.IntegerField()
    computed_at = serializers.DateTimeField(allow_null=True, help_text="Empty: no figures computed yet.")
    as_of = serializers.CharField()
    tiles = TileSerializer(many=True)
    charts = ChartCardSerializer(many=True)
    teams = TeamTableSerializer()
    across_pis = ChartCardSerializer(many=True, help_text="Predictability and flow velocity per PI.")
    delivery = DeliverySectionSerializer(
        allow_null=True, help_text="Empty: no delivery figures computed yet."
    )
    recompute = RecomputeStateSerializer()
