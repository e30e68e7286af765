"""The base of every train-scoped API view: the train and the caller's roles, versions over HTTP.

- The train comes from the URL; a caller holding no role on it gets 404 (as the pages do), before
  anything else is read.
- A versioned resource answers with `ETag: "<version>"`. A write to one needs `If-Match` with the
  version it is based on: 428 without it; 412 with the current representation when someone else
  changed it first (the services' StaleVersion, the UI's stale-edit rule over HTTP).
"""

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.metadata import SimpleMetadata
from rest_framework.response import Response

from trains.access import TrainAccess
from trains.errors import StaleVersion
from trains.models import Train
from trains.selectors import train_for_user

from .errors import PreconditionRequired, body
from .pagination import Page
from .schema import ApiSchema


def etag(version: int) -> str:
    return f'"{version}"'


def if_match(request) -> int:
    """The version an unsafe request is based on, from its If-Match header (428 without one)."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired()
    value = header.removeprefix("W/").strip('"')
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise PreconditionRequired('If-Match must be the ETag you read, such as "3".')
    return int(value)


IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description='The ETag of the version you are changing, such as "3": 428 without it, 412 when it is stale.',
)


class ErrorSerializer(serializers.Serializer):
    """Every refused call: a code, a sentence for a person, and messages per field."""

    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class Metadata(SimpleMetadata):
    """OPTIONS: what the resource is and where its OpenAPI document is. Not DRF's description of
    each action's fields, which builds a serializer and reads the row as if for a PUT (a view with a
    `get` of its own and no `queryset` fails there); the document says all of it already."""

    def determine_metadata(self, request, view):
        return {
            **super().determine_metadata(request, view),
            "schema": request.build_absolute_uri(reverse("api-schema")),
        }

    def determine_actions(self, request, view):
        return {}


class TrainScoped(generics.GenericAPIView):
    """A resource of one train, named by `slug` in the URL."""

    train: Train
    access: TrainAccess
    pagination_class = Page
    schema = ApiSchema()
    metadata_class = Metadata
    # The view's rows (`queryset`, with what it joins) are cut down to the train through this path.
    train_path = "train"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttling
        self.train, self.access = train_for_user(request.user, kwargs["slug"])

    def get_queryset(self) -> QuerySet:
        rows = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no train, no rows
            return rows.none()
        return rows.filter(**{self.train_path: self.train})

    def handle_exception(self, exc):
        if isinstance(exc, StaleVersion):
            # 412 with what the caller must look at before trying again: the record as it is now.
            current = self.get_serializer(exc.current).data
            message = f"{exc.current} was changed by someone else. Read it again (its ETag) and retry."
            response = Response(body(412, message, current=current), status=412)
            if "version" in current:
                response["ETag"] = etag(current["version"])
            return response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        data = getattr(response, "data", None)
        if response.status_code < 300 and isinstance(data, dict) and isinstance(data.get("version"), int):
            response["ETag"] = etag(data["version"])
        return response


__all__ = [
    "IF_MATCH",
    "ErrorSerializer",
    "Metadata",
    "Page",
    "TrainScoped",
    "etag",
    "extend_schema",
    "if_match",
]
