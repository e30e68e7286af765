"""A PI's figures over the API, read from the snapshots a recompute stored (never computed in the
request), and "recompute now".

Anyone with a role on the train may read them and ask for a recompute, as on the dashboard
(metrics/views.py): recomputing changes no plan. Unlike opening the dashboard, a read here never
queues a recompute: a GET changes nothing, and the recompute state says how current the figures are.
"""

import logging

from django.db.models import F
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from kombu.exceptions import OperationalError as BrokerError
from rest_framework import generics
from rest_framework.response import Response

from planning.models import ProgramIncrement
from trains.api.base import ErrorSerializer, TrainScoped
from trains.api.errors import body

from .. import dashboard as board
from .. import selectors, services
from ..figures.delivery import DELIVERY_METRICS
from ..models import PIRecompute, Snapshot
from .filters import SnapshotFilter
from .serializers import (
    DashboardSerializer,
    RecomputeRequestedSerializer,
    RecomputeStateSerializer,
    SeriesListSerializer,
    SnapshotSerializer,
)

logger = logging.getLogger(__name__)

READERS = "Anyone with a role on the train."
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such PI on a train you hold a role on.")
INVALID = OpenApiResponse(ErrorSerializer, description="A filter value that is not valid.")
# The charts across PIs, as the dashboard draws them (metrics/views.py), the Delivery section's too.
ACROSS_PIS_METRICS = [Snapshot.Metric.PREDICTABILITY, Snapshot.Metric.FLOW_VELOCITY, *DELIVERY_METRICS]


class PIScoped(TrainScoped):
    """A resource of one of the train's PIs, named by `pi_id` in the URL (404 for another train's PI)."""

    pi: ProgramIncrement

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.pi = get_object_or_404(ProgramIncrement, pk=kwargs["pi_id"], train=self.train)


@extend_schema(
    summary="A PI's stored figures (snapshots)",
    description=f"{READERS} One row per figure, team (empty: the ART) and day, with the inputs and "
    "breakdown behind its value in `data`; oldest computed first.",
    responses={200: SnapshotSerializer(many=True), 404: NOT_FOUND, 422: INVALID},
)
class SnapshotList(PIScoped, generics.ListAPIView):
    serializer_class = SnapshotSerializer
    queryset = Snapshot.objects.select_related("team").order_by("pk")
    filterset_class = SnapshotFilter

    def get_queryset(self):
        rows = super().get_queryset()
        return rows if getattr(self, "swagger_fake_view", False) else rows.filter(pi=self.pi)


@extend_schema(
    summary="A PI's figures day by day, for the ART and per team",
    description=f"{READERS} Each figure's headline value on every day a recompute stored, one series "
    "per figure for the ART (team empty) and per team; the same filters as the snapshots.",
    filters=True,
    responses={200: SeriesListSerializer, 404: NOT_FOUND, 422: INVALID},
)
class SeriesList(PIScoped):
    queryset = Snapshot.objects.all()
    filterset_class = SnapshotFilter
    serializer_class = SeriesListSerializer
    pagination_class = None

    def get_queryset(self):
        rows = super().get_queryset()
        return rows if getattr(self, "swagger_fake_view", False) else rows.filter(pi=self.pi)

    def get(self, request, slug, pi_id):
        rows = (
            self.filter_queryset(self.get_queryset())
            .order_by("metric", F("team__position").asc(nulls_first=True), "team__name", "team_id", "day")
            .values_list("metric", "team_id", "team__name", "day", "value")
        )
        labels = dict(Snapshot.Metric.choices)
        series: dict[tuple[str, int | None], dict] = {}
        for metric, team_id, team_name, day, value in rows:
            line = series.setdefault(
                (metric, team_id),
                {
                    "metric": metric,
                    "label": labels[metric],
                    "team": team_id,
                    "team_name": team_name,
                    "points": [],
                },
            )
            line["points"].append({"day": day, "value": value})
        return Response(SeriesListSerializer({"pi": self.pi.pk, "series": list(series.values())}).data)


def _recompute_state(pi: ProgramIncrement, state: PIRecompute | None) -> dict:
    if state is None:
        # No change noted and no recompute asked for: fresh if a recompute ever stored figures.
        computed = Snapshot.objects.filter(pi=pi).exists()
        return {
            "pi": pi.pk,
            "phase": "fresh" if computed else "never",
            "stale": False,
            "change_seq": 0,
            "computed_seq": 0,
            "stale_since": None,
            "queued_at": None,
            "running_since": None,
            "last_computed_at": None,
            "runs": 0,
            "last_error": "",
            "last_error_at": None,
        }
    if state.running_since:
        phase = "running"
    elif state.queued_at:
        phase = "queued"
    elif state.is_stale:
        phase = "failed" if state.last_error_at else "stale"
    else:
        phase = "fresh"
    return {
        "pi": pi.pk,
        "phase": phase,
        "stale": state.is_stale,
        **{
            name: getattr(state, name)
            for name in (
                "change_seq",
                "computed_seq",
                "stale_since",
                "queued_at",
                "running_since",
                "last_computed_at",
                "runs",
                "last_error",
                "last_error_at",
            )
        },
    }


@extend_schema(
    summary="A PI's dashboard: tiles, charts and the team table",
    description=f"{READERS} What the metrics dashboard shows, from the PI's latest computed day: each "
    "chart with its numbers as a table, where they come from and what explains a gap; the headline "
    "tiles; one row of figures per team; the charts across PIs; the Delivery section (DORA figures and "
    "defect escape rate, with definitions and levels); and how current the figures are. "
    "Reading it never queues a recompute (see the recompute endpoint).",
    responses={200: DashboardSerializer, 404: NOT_FOUND},
)
class Dashboard(PIScoped):
    serializer_class = DashboardSerializer

    def get(self, request, slug, pi_id):
        snapshots = selectors.latest_pi_snapshots(self.pi)
        pi_board = board.pi_dashboard(self.pi, snapshots)
        across_snapshots = list(selectors.latest_snapshots_across_pis(self.train, ACROSS_PIS_METRICS))
        across = board.across_pis(across_snapshots)
        state = _recompute_state(self.pi, selectors.recompute_state(self.pi))
        data = {
            "pi": self.pi.pk,
            "computed_at": pi_board.computed_at if pi_board else None,
            "as_of": pi_board.as_of if pi_board else "",
            "tiles": pi_board.tiles if pi_board else [],
            "charts": pi_board.cards if pi_board else [],
            "teams": {
                "columns": pi_board.team_columns if pi_board else [],
                "rows": pi_board.team_rows if pi_board else [],
            },
            "across_pis": across,
            "delivery": board.delivery_section(self.pi, snapshots, across_snapshots),
            "recompute": state,
        }
        return Response(self.get_serializer(data).data)


@extend_schema(
    summary="Where a PI's recompute stands",
    description=f"{READERS} Whether the stored figures cover the PI's latest change (stale), and "
    "whether a recompute is queued or running.",
    responses={200: RecomputeStateSerializer, 404: NOT_FOUND},
    methods=["GET"],
)
@extend_schema(
    summary="Recompute a PI's figures now",
    description=f'{READERS} (as the dashboard\'s "Recompute now"): recomputing changes no plan. Queues '
    "one recompute (joining one already queued) and answers 202 with `covers`, the change number "
    "the figures will cover; poll the state until `computed_seq` reaches it. 503 when the task "
    "queue cannot be reached.",
    request=None,
    responses={
        202: RecomputeRequestedSerializer,
        404: NOT_FOUND,
        503: OpenApiResponse(ErrorSerializer, description="The task queue cannot be reached: try again."),
    },
    examples=[
        OpenApiExample(
            "Queued",
            response_only=True,
            status_codes=["202"],
            value={
                "pi": 7,
                "phase": "queued",
                "stale": True,
                "change_seq": 42,
                "computed_seq": 41,
                "stale_since": "2026-03-02T09:14:03Z",
                "queued_at": "2026-03-02T09:14:05Z",
                "running_since": None,
                "last_computed_at": "2026-03-02T08:50:11Z",
                "runs": 17,
                "last_error": "",
                "last_error_at": None,
                "covers": 42,
            },
        )
    ],
    methods=["POST"],
)
class Recompute(PIScoped):
    serializer_class = RecomputeStateSerializer

    def get(self, request, slug, pi_id):
        state = _recompute_state(self.pi, selectors.recompute_state(self.pi))
        return Response(RecomputeStateSerializer(state).data)

    def post(self, request, slug, pi_id):
        try:
            covers = services.pi_request_recompute(pi_id=self.pi.pk)
        except BrokerError:
            logger.warning("Broker unreachable: could not queue a recompute of %s.", self.pi, exc_info=True)
            message = "The task queue cannot be reached: try again in a moment."
            return Response({**body(503, message), "code": "queue_unreachable"}, status=503)
        state = _recompute_state(self.pi, selectors.recompute_state(self.pi))
        return Response(RecomputeRequestedSerializer({**state, "covers": covers}).data, status=202)
