"""One JSON shape for every refused API call, from the same domain-error mapping as the pages.

    {"code": "invalid", "message": "…", "fields": {"title": ["…"]}}

Domain errors (trains/refusals.py) keep their statuses: 403 not allowed, 409 conflict, 422 invalid;
a stale version is 412 (answered by the view with the current representation). DRF's own refusals
(401, 404, 405, 415, 429, a malformed body) get the same shape. Anything else stays a 500.
"""

from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from trains.refusals import refusal

CODES = {
    400: "malformed",
    401: "not_authenticated",
    403: "not_allowed",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "stale",
    415: "unsupported_media_type",
    422: "invalid",
    428: "version_required",
    429: "throttled",
}


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = "Send the version you are changing in an If-Match header (the ETag you read)."
    default_code = "version_required"


def body(status_code: int, message: str, fields: dict | None = None, **extra) -> dict:
    return {"code": CODES.get(status_code, "error"), "message": message, "fields": fields or {}, **extra}


def exception_handler(exc, context):
    # Domain errors, and SQLite busy with another write (409): the pages' own mapping.
    refused = refusal(exc)
    if refused is not None:
        fields = {
            name: list(messages) for name, messages in refused.field_errors.items() if name != "__all__"
        }
        return Response(body(refused.status, refused.message, fields), status=refused.status)
    if isinstance(exc, exceptions.ValidationError):
        # A body that did not validate is refused as the pages refuse a form: 422, per field.
        fields, message = _fields(exc.detail)
        return Response(body(422, message, fields), status=422)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a programming error: a 500, never dressed as a refusal
    detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
    response.data = body(response.status_code, str(detail))
    return response


def _fields(detail) -> tuple[dict, str]:
    if isinstance(detail, dict):
        fields = {
            name: [str(m) for m in (messages if isinstance(messages, list) else [messages])]
            for name, messages in detail.items()
        }
        general = fields.pop("non_field_errors", [])
        sentences = general + [f"{name}: {m}" for name, ms in fields.items() for m in ms]
        return fields, " ".join(sentences) or "The request was not valid."
    messages = [str(m) for m in (detail if isinstance(detail, list) else [detail])]
    return {}, " ".join(messages)
