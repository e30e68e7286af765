"""Admin for delivery events: read-only, since deployments, incidents and defects are written by their
service (planning/services/delivery.py: the team check, the history, the figures' recompute), from
the Delivery page, the API or an import."""

from django.contrib import admin

from trains.admin_base import ReadOnlyAdmin, TrainScopedAdmin, related_only

from ..models import Defect, Deployment, Incident


@admin.register(Deployment)
class DeploymentAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "train"
    always_select_related = ("train", "team")
    list_display = ["service", "team", "environment", "deployed_at", "succeeded", "rolled_back", "reference"]
    list_filter = ["environment", "succeeded", "rolled_back", related_only("train")]
    list_select_related = ["train", "team"]
    search_fields = ["service", "reference"]
    ordering = ["-deployed_at"]


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "train"
    always_select_related = ("train", "team", "deployment")
    list_display = ["title", "service", "team", "severity", "started_at", "restored_at", "reference"]
    list_filter = ["severity", related_only("train")]
    list_select_related = ["train", "team"]
    search_fields = ["title", "service", "reference"]
    ordering = ["-started_at"]


@admin.register(Defect)
class DefectAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "train"
    always_select_related = ("train", "team", "feature")
    list_display = [
        "title",
        "team",
        "feature",
        "severity",
        "found_in",
        "found_at",
        "resolved_at",
        "reference",
    ]
    list_filter = ["found_in", "severity", related_only("train")]
    list_select_related = ["train", "team", "feature"]
    search_fields = ["title", "reference"]
    ordering = ["-found_at"]
