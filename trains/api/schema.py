"""The refusals every API operation can answer, documented once rather than on every view.

A view declares what is particular to it (its success, a 403 for a role rule, a 409); this adds what
the foundation answers wherever it applies, unless the view documented it itself:

- 401 without a live token or session, 404 for a train or row off the caller's trains (and a list's
  cursor that is not one of ours), 406 for an Accept that is not JSON, 429 when throttled;
- with a body: 400 when it is not JSON, 415 when it is not sent as JSON, 422 when it does not validate;
- with query parameters (filters): 422 for a value that is not valid;
- with If-Match (trains.api.base.IF_MATCH): 428 without it, 412 when it is stale.

All in the one error shape (trains/api/errors.py). `make test` checks every response against this
document (tests/api/test_schemathesis.py).
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

ALWAYS = {
    "401": "Not authenticated: no token or session, or a token unknown, revoked or expired.",
    "404": "Not found: the train or the row is not on a train you hold a role on.",
    "406": "Not acceptable: the API answers JSON only.",
    "429": "Throttled: too many calls for this token (or address); retry after the Retry-After seconds.",
}
WITH_BODY = {
    "400": "Malformed: the body is not JSON.",
    "415": "Unsupported media type: send the body as application/json.",
    "422": "Invalid: messages per field in `fields`.",
}
WITH_QUERY = {"422": "Invalid: a query parameter's value, with messages per parameter in `fields`."}
WITH_IF_MATCH = {
    "412": "Stale: the version changed since you read it; `current` holds the record as it is now.",
    "428": "Version required: send If-Match with the ETag you read.",
}


class ApiSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in self._generic_refusals().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(_error_serializer(), description=description), code, direction=direction
                )
        return responses

    def _generic_refusals(self) -> dict[str, str]:
        refusals = dict(ALWAYS)
        if self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None:
            refusals.update(WITH_BODY)
        parameters = self.get_override_parameters()
        if self._get_filter_parameters() or any(_location(p) == "query" for p in parameters):
            refusals.update(WITH_QUERY)
        if any(_location(p) == "header" and _name(p).lower() == "if-match" for p in parameters):
            refusals.update(WITH_IF_MATCH)
        return refusals


def _error_serializer():
    from .base import ErrorSerializer  # base sets this schema on its views

    return ErrorSerializer


def _location(parameter) -> str:
    return getattr(parameter, "location", None) or (
        parameter.get("in") if isinstance(parameter, dict) else ""
    )


def _name(parameter) -> str:
    return getattr(parameter, "name", None) or (
        parameter.get("name", "") if isinstance(parameter, dict) else ""
    )
