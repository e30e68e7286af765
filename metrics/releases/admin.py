"""Admin for release readiness: read-only, since checklists, criteria and decisions are written by
metrics/releases/services.py (the RTE's and Business Owners' rights, the closed-PI rule, the versions,
the milestone's history), from the release page. Imported by metrics/admin.py."""

from django.contrib import admin

from trains.admin_base import ReadOnlyAdmin, TrainScopedAdmin, related_only

from ..models import ReleaseChecklist, ReleaseCriterion, ReleaseDecision


@admin.register(ReleaseChecklist)
class ReleaseChecklistAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "milestone__pi__train"
    always_select_related = ("milestone", "milestone__pi")
    list_display = ["milestone", "pi", "created_at", "version"]
    list_filter = [related_only("milestone__pi__train")]
    list_select_related = ["milestone", "milestone__pi"]
    search_fields = ["milestone__name", "milestone__pi__name"]

    @admin.display(description="PI", ordering="milestone__pi__start_date")
    def pi(self, checklist: ReleaseChecklist) -> str:
        return checklist.milestone.pi.name


@admin.register(ReleaseCriterion)
class ReleaseCriterionAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "checklist__milestone__pi__train"
    always_select_related = ("checklist__milestone", "owner")
    list_display = ["title", "checklist", "kind", "status", "owner"]
    list_filter = ["kind", "status", related_only("checklist__milestone__pi__train")]
    list_select_related = ["checklist__milestone", "owner"]
    search_fields = ["title", "checklist__milestone__name"]


@admin.register(ReleaseDecision)
class ReleaseDecisionAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "checklist__milestone__pi__train"
    always_select_related = ("checklist__milestone",)
    list_display = ["checklist", "outcome", "decided_by_name", "decided_at", "readiness"]
    list_filter = ["outcome", related_only("checklist__milestone__pi__train")]
    list_select_related = ["checklist__milestone"]
    search_fields = ["checklist__milestone__name", "reason", "decided_by_name"]
    ordering = ["-decided_at"]
