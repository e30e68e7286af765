"""PI Planning's exports over HTTP: the PI plan, team PI objectives, capacity and load (the files
the pages' Export links give, planning/exports.py)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter

from planning.exports import capacity_sheets, objectives_export_sheets, pi_plan_sheets
from planning.models import ProgramIncrement
from trains.api.exports import ExportView, export_schema
from trains.exports import export_response, filename

PI_ID = OpenApiParameter("pi_id", int, OpenApiParameter.PATH, description="The PI's id.")


class _PiExport(ExportView):
    suffix = ""

    def sheets(self, pi: ProgramIncrement):
        raise NotImplementedError

    def get(self, request, slug, pi_id, fmt):
        pi = get_object_or_404(ProgramIncrement, pk=pi_id, train=self.train)
        name = filename(self.train.slug, pi.name, self.suffix)
        return export_response(fmt, name, self.sheets(pi), request.query_params.get("part"))


@export_schema(
    operation_id="pi_plan_export",
    parameters=[PI_ID],
    summary="The PI plan as a file",
    description="Features per team and iteration (state, points, WSJF, objectives), dependencies with "
    "their health, objectives with predictability, milestones and iterations: one part each.",
)
class PiPlanExport(_PiExport):
    suffix = "pi-plan"

    def sheets(self, pi):
        return pi_plan_sheets(pi)


@export_schema(
    operation_id="objectives_export",
    parameters=[PI_ID],
    summary="Team PI objectives as a file",
    description="Every team's objectives with planned and actual business value, and predictability "
    "per team and for the ART.",
)
class ObjectivesExport(_PiExport):
    suffix = "objectives"

    def sheets(self, pi):
        return objectives_export_sheets(pi)


@export_schema(
    operation_id="capacity_export",
    parameters=[PI_ID],
    summary="Capacity and load as a file",
    description="Capacity, load and load/capacity per team and iteration, and the totals.",
)
class CapacityExport(_PiExport):
    suffix = "capacity"

    def sheets(self, pi):
        return capacity_sheets(pi)
