"""Import a Jira or Azure DevOps CSV export over HTTP: upload (the dry run), then apply.

The same services as the RTE's page (planning/imports/services.py): an upload is kept as an import
run; its dry run says what would be created and updated, the mapping and every problem; applying it
writes whole or nothing (a large file is queued for a worker: poll the run for its progress).
"""

import json

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from planning.imports.services import (
    ONLY_RTE,
    import_run_apply,
    import_run_create,
    import_run_plan,
    import_run_progress,
    import_run_remap,
    mapping_from_json,
    plan_json,
)
from planning.models import ImportRun
from trains.api.errors import body

from .planning import PlanningView, refusals

UPLOAD = inline_serializer(
    "ImportUpload",
    {
        "file": serializers.FileField(),
        "source": serializers.ChoiceField(choices=ImportRun.Source.choices, default="jira"),
        "mapping": serializers.CharField(required=False, help_text="JSON: {types, statuses, sprints, teams}"),
    },
)


@extend_schema_field(OpenApiTypes.OBJECT)
class _Mapping(serializers.Field):
    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data or "{}")
            except ValueError:
                raise serializers.ValidationError("Give the mapping as JSON.") from None
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                "Give the mapping as an object: {types, statuses, sprints, teams}."
            )
        try:
            return mapping_from_json(data)
        except (TypeError, ValueError, AttributeError):
            raise serializers.ValidationError("Sprints and teams map to ids (or null).") from None


class _Upload(serializers.Serializer):
    file = serializers.FileField()
    source = serializers.ChoiceField(choices=ImportRun.Source.choices, default="jira")
    mapping = _Mapping(required=False)


class _Apply(serializers.Serializer):
    mapping = _Mapping(required=False)


def _run_json(run: ImportRun, plan: dict | None = None) -> dict:
    return {
        "id": run.pk,
        "pi": run.pi_id,
        "source": run.source,
        "filename": run.filename,
        "status": run.status,
        "rows_total": run.rows_total,
        "rows_done": import_run_progress(run),
        "result": plan if plan is not None else run.result,
    }


class ImportView(PlanningView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def _require_rte(self):
        self.access.require(self.access.is_rte, ONLY_RTE)

    def _run(self, run_id: int) -> ImportRun:
        self._require_rte()
        return get_object_or_404(
            ImportRun.objects.select_related("train", "pi"), pk=run_id, pi=self.pi, train=self.train
        )


class ImportList(ImportView):
    @extend_schema(
        summary="Upload a Jira or Azure DevOps CSV export: the dry run",
        request={"multipart/form-data": UPLOAD},
        responses={201: OpenApiTypes.OBJECT, **refusals(401, 403, 404, 422)},
        description="The RTE only. Answers the run with its dry run: counts to create and update per kind, "
        "the mapping used (guessed or chosen) and every problem with its line, column and reason. Nothing "
        "is written to the plan.",
    )
    def post(self, request, slug, pi_id):
        self._require_rte()
        data = self.body(_Upload)
        run = import_run_create(
            train=self.train, pi=self.pi, source=data["source"], upload=data["file"], actor=request.user
        )
        if "mapping" in data:
            import_run_remap(run=run, mapping=data["mapping"], actor=request.user)
        return Response(_run_json(run, plan_json(import_run_plan(run))), status=status.HTTP_201_CREATED)


class ImportDetail(ImportView):
    @extend_schema(
        summary="An import run: its status, progress and dry run (or outcome)",
        responses={200: OpenApiTypes.OBJECT, **refusals(401, 403, 404)},
    )
    def get(self, request, slug, pi_id, run_id):
        run = self._run(run_id)
        editable = run.status in (ImportRun.Status.UPLOADED, ImportRun.Status.REFUSED)
        return Response(_run_json(run, plan_json(import_run_plan(run)) if editable else None))


class ImportApply(ImportView):
    @extend_schema(
        summary="Apply an import run, whole or not at all",
        request=_Apply,
        responses={
            200: OpenApiTypes.OBJECT,
            202: OpenApiTypes.OBJECT,
            **refusals(401, 403, 404, 409, 422),
        },
        description="With `mapping`, the run's mapping is replaced first. 200: applied; 202: queued for a "
        "worker (a large file; GET the run for its progress); 422: refused, nothing written, with the "
        "problems.",
    )
    def post(self, request, slug, pi_id, run_id):
        run = self._run(run_id)
        data = self.body(_Apply)
        if "mapping" in data:
            import_run_remap(run=run, mapping=data["mapping"], actor=request.user)
        run = import_run_apply(run=run, actor=request.user)
        if run.status == ImportRun.Status.REFUSED:
            result = run.result
            message = f"{result.get('problems_total', 0)} problem(s) in the file: nothing was imported."
            return Response(
                body(422, message, problems=result.get("problems", []), run=_run_json(run)),
                status=422,
            )
        code = status.HTTP_200_OK if run.status == ImportRun.Status.APPLIED else status.HTTP_202_ACCEPTED
        return Response(_run_json(run), status=code)
