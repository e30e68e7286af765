"""The RTE's download of the train's backup: from the train's page, and over the API with a token.

The RTE's only (403 for every other role, 404 off the person's trains): a backup holds everything of
the train, the names and e-mail addresses of its people included. The file is written to a spooled
temporary file (memory up to SPOOL_BYTES, disk beyond) and the read's transaction ends before the
first byte goes out, so a slow download holds no database transaction open.
"""

import tempfile

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view

from trains.access import TrainAccess
from trains.api.base import ErrorSerializer
from trains.api.exports import ExportView
from trains.exports import filename
from trains.http import HtmxHttpRequest
from trains.models import Train
from trains.selectors import train_for_user

from .dump import write_backup

SPOOL_BYTES = 16 * 1024 * 1024
JSON_TYPE = "application/json"
ONLY_THE_RTE = "Only the train's Release Train Engineer downloads its backup."


def require_backup_reader(access: TrainAccess) -> None:
    access.require(access.is_rte, ONLY_THE_RTE)


def backup_response(train: Train) -> HttpResponse:
    # FileResponse closes it once the body is sent.
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+b")  # noqa: SIM115
    write_backup(train, spool)
    spool.seek(0)
    name = filename(train.slug, "backup", timezone.localdate().isoformat()) + ".json"
    response = FileResponse(spool, as_attachment=True, filename=name, content_type=JSON_TYPE)
    # The whole train, people's addresses included: no shared cache keeps it.
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def download(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    train, access = train_for_user(request.user, slug)
    require_backup_reader(access)
    return backup_response(train)


@extend_schema_view(
    get=extend_schema(
        operation_id="train_backup",
        summary="The train's whole backup",
        description="One versioned JSON document holding the train, its teams, memberships by "
        "username, PIs and everything in them, risks, impediments, ART Syncs, demos, I&A and the "
        "history; `manage.py restore_train <file>` restores it. Secrets (webhooks, the calendar's "
        "address, tokens) and recomputed figures are not in it. "
        "The train's Release Train Engineer only (403 for every other role on the train).",
        responses={
            (200, JSON_TYPE): OpenApiResponse(OpenApiTypes.OBJECT, description="The backup document."),
            403: ErrorSerializer,
            404: ErrorSerializer,
        },
    )
)
class TrainBackup(ExportView):
    def get(self, request, slug):
        require_backup_reader(self.access)
        return backup_response(self.train)
