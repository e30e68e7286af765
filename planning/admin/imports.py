"""Admin for import runs: read-only, since an import is written by its own service (planning.imports)."""

from django.contrib import admin

from trains.admin_base import ReadOnlyAdmin, TrainScopedAdmin, related_only

from ..models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    """The uploads of tracker exports with their mapping and outcome; the file itself is not shown."""

    train_path = "train"
    always_select_related = ("train", "pi")
    list_display = ["filename", "pi", "source", "status", "created_by", "created_at"]
    list_filter = ["source", "status", related_only("train")]
    list_select_related = ["train", "pi", "created_by"]
    exclude = ["content"]
    ordering = ["-created_at"]
