"""Admin for metric snapshots, scoped to the RTE's trains.

Snapshots are recomputed by the metrics tasks (an upsert per PI, team, metric and day), so a
hand-edited value lasts until the next computation; the admin is for inspecting and clearing them.
"""

from __future__ import annotations

from django.contrib import admin

from trains.admin import TrainScopedAdmin, related_only

from .models import Snapshot


@admin.register(Snapshot)
class SnapshotAdmin(TrainScopedAdmin, admin.ModelAdmin):
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
