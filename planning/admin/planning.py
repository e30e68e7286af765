"""Admin for what PI Planning produces: objectives and business value, votes, baselines, capacity and
reopenings. Writes go through planning's services as the RTE (trains.admin_base.ServiceAdmin)."""

from __future__ import annotations

from django.contrib import admin

from trains.admin_base import (
    ReadOnlyAdmin,
    ReadOnlyInline,
    TrainScopedAdmin,
    VersionedAdmin,
    related_only,
)
from trains.guards import lock_for_change

from ..models import (
    ConfidenceVote,
    PIObjective,
    PIReopening,
    PlanBaseline,
    TeamCapacity,
    VoteRound,
)
from ..services import capacity as capacity_services
from ..services import objectives as objective_services


@admin.register(PIObjective)
class PIObjectiveAdmin(VersionedAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "pi__train"
    list_display = [
        "text",
        "team",
        "pi",
        "is_committed",
        "planned_business_value",
        "actual_business_value",
        "position",
    ]
    list_filter = ["is_committed", related_only("pi__train"), related_only("pi"), related_only("team")]
    list_select_related = ["team", "pi"]
    search_fields = ["text", "team__name"]
    autocomplete_fields = ["pi", "features"]
    fields = [
        "pi",
        "team",
        "text",
        "is_committed",
        "features",
        "planned_business_value",
        "actual_business_value",
        "position",
        "created_at",
        "version",
    ]
    readonly_fields = ["position", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return readonly if obj is None else [*readonly, "pi", "team"]

    def service_create(self, request, form):
        data = form.cleaned_data
        objective = objective_services.objective_create(
            pi=data["pi"],
            team=data["team"],
            text=data["text"],
            is_committed=data["is_committed"],
            features=data["features"],
            actor=request.user,
        )
        return self._set_business_value(request, objective, form)

    def service_update(self, request, objective, form):
        data, changed = form.cleaned_data, set(form.changed_data)
        current = lock_for_change(PIObjective.objects.select_related("pi"), objective.pk, data["version"])
        fields = {name: data[name] for name in objective_services.OBJECTIVE_FIELDS if name in changed}
        if fields:
            current = objective_services.objective_update(
                objective=current, expected_version=current.version, actor=request.user, **fields
            )
        return self._set_business_value(request, current, form)

    @staticmethod
    def _set_business_value(request, objective: PIObjective, form) -> PIObjective:
        # Business value is the Business Owners' alone (SAFe): set here, it asks the same service,
        # so an RTE's value is refused as it is on the objectives page.
        data, changed = form.cleaned_data, set(form.changed_data)
        for field, service in (
            ("planned_business_value", objective_services.objective_set_planned_value),
            ("actual_business_value", objective_services.objective_score_actual),
        ):
            if field in changed:
                objective = service(
                    objective=objective,
                    value=data[field],
                    expected_version=objective.version,
                    actor=request.user,
                )
        return objective

    def service_delete(self, request, objective):
        # The confirmation page carries no version: the one read for it is the one deleted.
        objective_services.objective_delete(
            objective=objective, expected_version=objective.version, actor=request.user
        )


class ConfidenceVoteInline(ReadOnlyInline, admin.TabularInline):
    model = ConfidenceVote
    extra = 0
    raw_id_fields = ["voter"]
    readonly_fields = ["cast_at"]


@admin.register(VoteRound)
class VoteRoundAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    """Read-only: rounds are opened and closed, and votes cast, on the votes page (each person's own)."""

    train_path = "pi__train"
    always_select_related = ("pi", "team")
    list_display = ["pi", "scope", "number", "opened_at", "closed_at"]
    list_filter = [related_only("pi__train"), related_only("pi"), related_only("team")]
    list_select_related = ["pi", "team"]
    date_hierarchy = "opened_at"
    autocomplete_fields = ["pi"]
    raw_id_fields = ["opened_by", "closed_by"]
    inlines = [ConfidenceVoteInline]

    @admin.display(description="on the plan of", ordering="team__name")
    def scope(self, vote_round: VoteRound) -> str:
        return vote_round.team.name if vote_round.team else "the ART"


@admin.register(ConfidenceVote)
class ConfidenceVoteAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "round__pi__train"
    always_select_related = ("voter", "round__pi", "round__team")
    list_display = ["round", "voter", "score", "cast_at"]
    list_filter = ["score", related_only("round__pi__train"), related_only("round__pi")]
    search_fields = ["voter__username", "voter__first_name", "voter__last_name", "concern"]
    date_hierarchy = "cast_at"
    raw_id_fields = ["round", "voter"]
    readonly_fields = ["cast_at"]


@admin.register(PlanBaseline)
class PlanBaselineAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    """Baselines are records of what was committed: read them here, never edit them."""

    train_path = "pi__train"
    always_select_related = ("pi",)
    list_display = ["pi", "committed_at", "committed_by"]
    list_filter = [related_only("pi__train"), related_only("pi")]
    readonly_fields = ["pi", "committed_at", "committed_by", "plan"]


@admin.register(TeamCapacity)
class TeamCapacityAdmin(VersionedAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "team__train"
    always_select_related = ("team", "iteration")
    list_display = ["team", "iteration", "fte", "days_off", "capacity_override", "capacity"]
    list_filter = [related_only("team__train"), related_only("iteration__pi"), related_only("team")]
    list_select_related = ["team", "iteration__pi"]
    search_fields = ["team__name", "iteration__pi__name"]
    autocomplete_fields = ["iteration"]
    fields = ["team", "iteration", "fte", "days_off", "capacity_override", "version"]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return readonly if obj is None else [*readonly, "team", "iteration"]

    def service_create(self, request, form):
        return self._set(request, form.cleaned_data["team"], form.cleaned_data["iteration"], form, 0)

    def service_update(self, request, capacity, form):
        return self._set(request, capacity.team, capacity.iteration, form, form.cleaned_data["version"])

    @staticmethod
    def _set(request, team, iteration, form, expected_version: int) -> TeamCapacity:
        # 0: "nothing entered yet", so a row someone else created meanwhile is refused as stale.
        data = form.cleaned_data
        return capacity_services.capacity_set(
            team=team,
            iteration=iteration,
            fte=data["fte"],
            days_off=data["days_off"],
            capacity_override=data["capacity_override"],
            expected_version=expected_version,
            actor=request.user,
        )

    @admin.display(description="capacity (points)")
    def capacity(self, capacity: TeamCapacity) -> str:
        return f"{capacity.capacity_points:g}"


@admin.register(PIReopening)
class PIReopeningAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    """Read-only: a reopening is made by planning.services.lifecycle.pi_reopen and kept as it was."""

    train_path = "pi__train"
    always_select_related = ("pi",)
    list_display = ["pi", "reopened_at", "reopened_by", "reason"]
    list_select_related = ["pi", "reopened_by"]
    ordering = ["-reopened_at", "-pk"]
    search_fields = ["pi__name", "reason"]
