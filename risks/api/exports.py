"""Running the PI's exports over HTTP: the ROAM register, impediments, ART Sync action items (the
files the pages' Export links give, risks/exports.py)."""

from drf_spectacular.utils import OpenApiParameter

from planning.selectors.pis import pi_being_run, pis_of_train
from trains.api.exports import ExportView, export_schema
from trains.exports import export_response, filename

from .. import selectors
from ..exports import action_item_sheets, action_items_of, impediment_sheets, roam_sheets

PI = OpenApiParameter(
    "pi",
    int,
    OpenApiParameter.QUERY,
    required=False,
    description="The PI (default: the executing one, else the newest).",
)
STATUS = OpenApiParameter(
    "status",
    str,
    OpenApiParameter.QUERY,
    required=False,
    enum=["unresolved", "all", "open", "in_progress", "resolved"],
    description="Which impediments (default: those not resolved).",
)


class _Export(ExportView):
    def pi(self):
        pis = list(pis_of_train(self.train))
        pi_id = self.request.query_params.get("pi")
        return pi_being_run(self.train, pi_id, pis) if pis or pi_id else None


@export_schema(
    operation_id="roam_export",
    summary="The ROAM register as a file",
    description="Every risk of the PI (and those of no PI) with ROAM status, owner, impact, likelihood, "
    "exposure, due date and links.",
    parameters=[PI],
)
class RoamExport(_Export):
    def get(self, request, slug, fmt):
        pi = self.pi()
        rows = selectors.risks_for_board(self.train, pi)
        name = filename(self.train.slug, pi.name if pi else "", "roam")
        return export_response(fmt, name, roam_sheets(rows), request.query_params.get("part"))


@export_schema(
    operation_id="impediments_export",
    summary="Impediments as a file",
    description="The train's impediments, most severe then oldest first, with age, escalations and "
    "blocked features.",
    parameters=[STATUS],
)
class ImpedimentsExport(_Export):
    def get(self, request, slug, fmt):
        status = request.query_params.get("status") or selectors.UNRESOLVED
        rows = selectors.impediments(self.train, status=status)
        name = filename(self.train.slug, "impediments")
        return export_response(fmt, name, impediment_sheets(rows), request.query_params.get("part"))


@export_schema(
    operation_id="action_items_export",
    summary="ART Sync action items as a file",
    description="The actions raised in the PI's ART Syncs, with owner, due date and status.",
    parameters=[PI],
)
class ActionItemsExport(_Export):
    def get(self, request, slug, fmt):
        pi = self.pi()
        rows = action_items_of(pi) if pi else []
        name = filename(self.train.slug, pi.name if pi else "", "art-sync-actions")
        return export_response(fmt, name, action_item_sheets(rows), request.query_params.get("part"))
