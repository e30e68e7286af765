"""Admin for metric snapshots, scoped to the RTE's trains.

Snapshots are computed by the metrics tasks (an upsert per PI, team, metric and day) and the
recompute state is kept by metrics.services: both are shown here, never edited (a hand-made value
would look computed until the next run).
"""

from __future__ import annotations

from django.contrib import admin

from trains.admin_base import ReadOnlyAdmin, TrainScopedAdmin, related_only

from .models import PIRecompute, Snapshot
from .releases import admin as releases_admin  # noqa: F401  (release readiness: registering is importing)


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "train"
    always_select_related = ("pi", "team")
    list_display = ["metric", "pi", "scope", "day", "value", "computed_at"]
    list_filter = ["metric", related_only("train"), related_only("pi"), related_only("team")]
    list_select_related = ["pi", "team", "train"]
    search_fields = ["pi__name", "team__name", "train__name"]
    date_hierarchy = "day"
    autocomplete_fields = ["pi"]

    @admin.display(description="for", ordering="team__name")
    def scope(self, snapshot: Snapshot) -> str:
        return snapshot.team.name if snapshot.team else "the ART"


@admin.register(PIRecompute)
class PIRecomputeAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    """Where a PI's figures stand: stale or fresh, a recompute queued or running, the last error.

    Kept by metrics.services (a stuck PI is enqueued again by the beat job `recompute_stale_pis`).
    """

    train_path = "pi__train"
    always_select_related = ("pi", "pi__train")
    list_display = [
        "pi",
        "train",
        "stale",
        "queued_at",
        "running_since",
        "last_computed_at",
        "runs",
        "last_error",
    ]
    list_filter = [related_only("pi__train")]
    list_select_related = ["pi", "pi__train"]
    search_fields = ["pi__name", "pi__train__name"]
    autocomplete_fields = ["pi"]
    readonly_fields = [
        "change_seq",
        "computed_seq",
        "runs",
        "last_computed_at",
        "last_error",
        "last_error_at",
    ]

    @admin.display(description="train", ordering="pi__train__name")
    def train(self, state: PIRecompute) -> str:
        return state.pi.train.name

    @admin.display(description="stale", boolean=True)
    def stale(self, state: PIRecompute) -> bool:
        return state.is_stale
