"""The API's exports: the same files the pages offer (trains/exports.py), for a script or a tool.

A file answers whatever the caller accepts: its type is named by the URL (`.csv`, `.xlsx`), as a
download link would; a refusal is the API's usual JSON.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view

from trains.exports import CSV_TYPE, XLSX_TYPE, ZIP_TYPE

from .base import TrainScoped

FORMAT = OpenApiParameter(
    "fmt", str, OpenApiParameter.PATH, enum=["csv", "xlsx"], description="The file's format: csv or xlsx."
)
PART = OpenApiParameter(
    "part",
    str,
    OpenApiParameter.QUERY,
    required=False,
    description="CSV only: the one part (sheet) wanted, e.g. `features`; without it a file of several "
    "parts is a zip of one CSV each (404 for a part the export does not have).",
)
FILE = {
    (200, XLSX_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="A workbook, one sheet per part."),
    (200, CSV_TYPE.split(";")[0]): OpenApiResponse(OpenApiTypes.STR, description="UTF-8 with a BOM, CRLF."),
    (200, ZIP_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="One CSV per part."),
}


def export_schema(*, operation_id: str, summary: str, description: str, parameters=()):
    """The export's GET documented (on the method: an operation id on a class would be every
    method's)."""
    return extend_schema_view(
        get=extend_schema(
            operation_id=operation_id,
            summary=summary,
            description=f"{description} Anyone with a role on the train.",
            parameters=[FORMAT, PART, *parameters],
            responses=FILE,
        )
    )


class ExportView(TrainScoped):
    """A train's data as a file rather than JSON."""

    pagination_class = None

    def perform_content_negotiation(self, request, force=False):
        # The URL names the file's type: serve it whatever the Accept header says (a refusal is
        # rendered with the first renderer, JSON).
        return super().perform_content_negotiation(request, force=True)
