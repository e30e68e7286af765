"""Where browsers report what the Content Security Policy blocked (settings: CONTENT_SECURITY_POLICY's
report-uri). Each report is logged as a warning, so a page that breaks under the policy shows up in
the server's log instead of only in someone's browser console."""

import json
import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

log = logging.getLogger("artops.csp")

# A report is a few hundred bytes; anything much larger is not one, and is not worth logging whole.
MAX_REPORT_BYTES = 16 * 1024
FIELDS = (
    "document-uri",
    "violated-directive",
    "effective-directive",
    "blocked-uri",
    "source-file",
    "line-number",
)


@csrf_exempt  # the browser posts reports by itself, without the page's CSRF token
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    raw = request.read(MAX_REPORT_BYTES + 1)
    try:
        report = json.loads(raw[:MAX_REPORT_BYTES]).get("csp-report", {})
    except (ValueError, AttributeError):
        report = None
    if isinstance(report, dict) and report:
        summary = " ".join(f"{name}={str(report.get(name, ''))[:300]!r}" for name in FIELDS if name in report)
        log.warning("Content Security Policy violation: %s", summary)
    else:
        log.warning("Content Security Policy report that could not be read (%d bytes)", len(raw))
    return HttpResponse(status=204)
