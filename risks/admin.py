"""Admin for ROAM risks, impediments, improvement items and ART Sync actions, scoped to the RTE's trains.

Risks and impediments are written through their services as the RTE (trains.admin_base.ServiceAdmin),
so their history, permissions and rules apply; the other records are shown read-only here and
kept on their own pages (ART Sync, System Demo, Inspect & Adapt), whose services own them.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Q

from trains.admin_base import ReadOnlyAdmin, ReadOnlyInline, TrainScopedAdmin, VersionedAdmin, related_only

from . import (
    admin_surveys,  # noqa: F401  (surveys: registering is importing)
    services,
)
from .models import (
    ActionItem,
    ActionItemStatus,
    ArtSync,
    CalendarFeed,
    DemoFollowUp,
    DemoItem,
    Impediment,
    ImpedimentEscalation,
    ImprovementItem,
    Problem,
    ProblemVote,
    Risk,
    RiskRoamChange,
    SystemDemo,
)

# --- inlines ---------------------------------------------------------------------------------------


class RiskRoamChangeInline(ReadOnlyInline, TrainScopedAdmin, admin.TabularInline):
    """The risk's ROAM history, written by the risk services; shown, never edited here."""

    model = RiskRoamChange
    train_path = "risk__train"
    fields = ["changed_at", "from_status", "to_status", "note", "actor"]
    readonly_fields = fields
    always_select_related = ("actor",)
    extra = 0
    can_delete = False


class ImpedimentEscalationInline(ReadOnlyInline, TrainScopedAdmin, admin.TabularInline):
    model = ImpedimentEscalation
    train_path = "impediment__train"
    fields = ["escalated_at", "from_level", "to_level", "note", "actor"]
    raw_id_fields = ["actor"]
    always_select_related = ("actor",)
    extra = 0


class ActionItemInline(ReadOnlyInline, TrainScopedAdmin, admin.TabularInline):
    """The sync's actions; their train is the sync's, filled in on save."""

    model = ActionItem
    train_path = "train"
    fields = ["title", "owner", "due_date", "status", "created_at", "done_at"]
    raw_id_fields = ["owner"]
    always_select_related = ("owner",)
    extra = 0


# --- risks -----------------------------------------------------------------------------------------


@admin.register(Risk)
class RiskAdmin(VersionedAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "train"
    list_display = [
        "title",
        "train",
        "level",
        "roam_status",
        "owner",
        "impact",
        "likelihood",
        "exposure",
        "due_date",
        "created_at",
    ]
    list_filter = [
        "roam_status",
        "impact",
        "likelihood",
        related_only("train"),
        related_only("pi"),
        related_only("team"),
    ]
    list_select_related = ["train", "team", "owner"]
    search_fields = ["title", "description", "mitigation_plan"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["pi", "features", "dependencies", "objectives"]
    raw_id_fields = ["owner", "raised_by"]
    fields = [
        "train",
        "pi",
        "team",
        "title",
        "description",
        "roam_status",
        "owner",
        "impact",
        "likelihood",
        "exposure",
        "due_date",
        "mitigation_plan",
        "features",
        "dependencies",
        "objectives",
        "raised_by",
        "raised_to_art_at",
        "updated_at",
        "version",
    ]
    readonly_fields = ["exposure", "raised_by", "updated_at", "raised_to_art_at"]
    inlines = [RiskRoamChangeInline]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        # Where a risk lives is set when it is raised; raising it to the ART has its own action.
        return [*readonly, "roam_status"] if obj is None else [*readonly, "train", "pi", "team"]

    def service_create(self, request, form):
        data = form.cleaned_data
        return services.risk_create(
            train=data["train"],
            pi=data["pi"],
            team=data["team"],
            actor=request.user,
            **{name: data[name] for name in (*services.RISK_FIELDS, *services.RISK_LINKS)},
        )

    def service_update(self, request, risk, form):
        data, changed = form.cleaned_data, set(form.changed_data)
        current = Risk.objects.get(pk=risk.pk)
        changes = {
            name: data[name] for name in (*services.RISK_FIELDS, *services.RISK_LINKS) if name in changed
        }
        current = services.risk_update(
            risk=current, expected_version=data["version"], actor=request.user, **changes
        )
        if data["roam_status"] != current.roam_status:
            current = services.risk_roam(
                risk=current,
                status=data["roam_status"],
                note="Set in the admin",
                expected_version=current.version,
                actor=request.user,
            )
        return current

    @admin.display(description="level", ordering="team__name")
    def level(self, risk: Risk) -> str:
        return risk.team.name if risk.team else "ART"

    @admin.display(description="exposure (impact × likelihood)")
    def exposure(self, risk: Risk) -> int:
        return risk.exposure


@admin.register(RiskRoamChange)
class RiskRoamChangeAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "risk__train"
    always_select_related = ("risk",)
    list_display = ["risk", "from_status", "to_status", "changed_at", "actor", "note"]
    list_filter = ["to_status", related_only("risk__train")]
    list_select_related = ["risk", "actor"]
    search_fields = ["risk__title", "note"]
    date_hierarchy = "changed_at"
    autocomplete_fields = ["risk"]
    raw_id_fields = ["actor"]


# --- impediments -----------------------------------------------------------------------------------


@admin.register(Impediment)
class ImpedimentAdmin(VersionedAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "train"
    list_display = [
        "title",
        "team",
        "train",
        "severity",
        "status",
        "escalation_level",
        "owner",
        "raised_at",
        "resolved_at",
    ]
    list_filter = ["status", "severity", "escalation_level", related_only("train"), related_only("team")]
    list_select_related = ["team", "train", "owner"]
    search_fields = ["title", "description", "resolution"]
    date_hierarchy = "raised_at"
    autocomplete_fields = ["blocked_features"]
    raw_id_fields = ["owner", "raised_by"]
    fields = [
        "train",
        "team",
        "title",
        "description",
        "severity",
        "status",
        "escalation_level",
        "owner",
        "blocked_features",
        "raised_by",
        "raised_at",
        "resolution",
        "resolved_at",
        "version",
    ]
    # Escalating and resolving need a note and keep a time: they have their own actions on the
    # impediment's page; here an impediment's words, severity, status, owner and links are fixed.
    readonly_fields = ["train", "escalation_level", "raised_by", "raised_at", "resolution", "resolved_at"]
    inlines = [ImpedimentEscalationInline]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return [*readonly, "status"] if obj is None else [*readonly, "team"]

    def service_create(self, request, form):
        data = form.cleaned_data
        return services.impediment_raise(
            team=data["team"],
            title=data["title"],
            severity=data["severity"],
            description=data["description"],
            blocked_features=data["blocked_features"],
            actor=request.user,
        )

    def service_update(self, request, impediment, form):
        data, changed = form.cleaned_data, set(form.changed_data)
        fields = ("title", "description", "severity", "status", "owner", "blocked_features")
        return services.impediment_update(
            impediment=Impediment.objects.get(pk=impediment.pk),
            expected_version=data["version"],
            actor=request.user,
            **{name: data[name] for name in fields if name in changed},
        )


@admin.register(ImpedimentEscalation)
class ImpedimentEscalationAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "impediment__train"
    always_select_related = ("impediment",)
    list_display = ["impediment", "from_level", "to_level", "escalated_at", "actor"]
    list_filter = ["to_level", related_only("impediment__train")]
    list_select_related = ["impediment", "actor"]
    search_fields = ["impediment__title", "note"]
    date_hierarchy = "escalated_at"
    autocomplete_fields = ["impediment"]
    raw_id_fields = ["actor"]


# --- Inspect & Adapt and ART Sync ------------------------------------------------------------------


@admin.register(ImprovementItem)
class ImprovementItemAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "train"
    list_display = ["title", "train", "source_pi", "target_pi", "status", "owner", "taken_at", "done_at"]
    list_filter = ["status", related_only("train"), related_only("source_pi"), related_only("target_pi")]
    list_select_related = ["train", "source_pi", "target_pi", "owner"]
    search_fields = ["title", "problem", "root_causes"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["source_pi", "target_pi", "feature", "source_problem"]
    raw_id_fields = ["owner"]


@admin.register(ArtSync)
class ArtSyncAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "train"
    list_display = ["__str__", "train", "pi", "held_on", "open_actions"]
    list_filter = [related_only("train"), related_only("pi")]
    list_select_related = ["train", "pi"]
    search_fields = ["notes", "train__name", "pi__name"]
    date_hierarchy = "held_on"
    autocomplete_fields = ["pi"]
    inlines = [ActionItemInline]

    def get_queryset(self, request):
        open_actions = Count("action_items", filter=Q(action_items__status=ActionItemStatus.OPEN))
        return super().get_queryset(request).annotate(open_action_count=open_actions)

    @admin.display(description="open actions", ordering="open_action_count")
    def open_actions(self, sync: ArtSync) -> int:
        return sync.open_action_count


@admin.register(ActionItem)
class ActionItemAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "train"
    list_display = ["title", "owner", "due_date", "status", "raised_in", "train", "done_at"]
    list_filter = ["status", related_only("train")]
    list_select_related = ["owner", "raised_in", "train"]
    search_fields = ["title", "owner__username", "owner__first_name", "owner__last_name"]
    date_hierarchy = "due_date"
    autocomplete_fields = ["raised_in"]
    raw_id_fields = ["owner"]


# --- system demos and the I&A workshop --------------------------------------------------------------


class DemoItemInline(ReadOnlyInline, TrainScopedAdmin, admin.TabularInline):
    model = DemoItem
    train_path = "demo__iteration__pi__train"
    fields = ["title", "feature", "outcome", "feedback", "created_at"]
    autocomplete_fields = ["feature"]
    always_select_related = ("feature",)
    extra = 0


class DemoFollowUpInline(ReadOnlyInline, TrainScopedAdmin, admin.TabularInline):
    model = DemoFollowUp
    train_path = "demo__iteration__pi__train"
    fields = ["title", "owner", "due_date", "status", "created_at", "done_at"]
    raw_id_fields = ["owner"]
    always_select_related = ("owner",)
    extra = 0


@admin.register(SystemDemo)
class SystemDemoAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "iteration__pi__train"
    always_select_related = ("iteration__pi",)
    list_display = ["__str__", "held_on", "item_count", "created_at"]
    list_filter = [related_only("iteration__pi__train"), related_only("iteration__pi")]
    search_fields = ["notes", "iteration__pi__name"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["iteration"]
    raw_id_fields = ["created_by"]
    inlines = [DemoItemInline, DemoFollowUpInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(item_count=Count("items"))

    @admin.display(description="items", ordering="item_count")
    def item_count(self, demo: SystemDemo) -> int:
        return demo.item_count


@admin.register(DemoItem)
class DemoItemAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "demo__iteration__pi__train"
    always_select_related = ("demo__iteration__pi",)
    list_display = ["title", "demo", "feature", "outcome"]
    list_filter = ["outcome", related_only("demo__iteration__pi")]
    list_select_related = ["demo__iteration__pi", "feature"]
    search_fields = ["title", "feedback"]
    autocomplete_fields = ["demo", "feature"]


@admin.register(DemoFollowUp)
class DemoFollowUpAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "demo__iteration__pi__train"
    always_select_related = ("demo__iteration__pi",)
    list_display = ["title", "demo", "owner", "due_date", "status", "done_at"]
    list_filter = ["status", related_only("demo__iteration__pi")]
    list_select_related = ["demo__iteration__pi", "owner"]
    search_fields = ["title"]
    autocomplete_fields = ["demo"]
    raw_id_fields = ["owner"]


class ProblemVoteInline(TrainScopedAdmin, admin.TabularInline):
    """Who voted: written by the workshop's vote service; shown, never edited here."""

    model = ProblemVote
    train_path = "problem__pi__train"
    fields = ["voter", "cast_at"]
    readonly_fields = fields
    always_select_related = ("voter",)
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Problem)
class ProblemAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "pi__train"
    always_select_related = ("pi",)
    list_display = ["statement", "pi", "vote_count", "raised_by", "created_at"]
    list_filter = [related_only("pi__train"), related_only("pi")]
    list_select_related = ["pi", "raised_by"]
    search_fields = ["statement", "root_causes"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["pi"]
    raw_id_fields = ["raised_by"]
    inlines = [ProblemVoteInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(vote_count=Count("votes"))

    @admin.display(description="votes", ordering="vote_count")
    def vote_count(self, problem: Problem) -> int:
        return problem.vote_count


@admin.register(ProblemVote)
class ProblemVoteAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "problem__pi__train"
    always_select_related = ("problem__pi", "voter")
    list_display = ["problem", "voter", "cast_at"]
    list_filter = [related_only("problem__pi")]
    list_select_related = ["problem__pi", "voter"]
    search_fields = ["problem__statement", "voter__username"]
    autocomplete_fields = ["problem"]
    raw_id_fields = ["voter"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    """The train's calendar addresses, made and revoked on its ART calendar page; the secret is
    never shown (only its hash is kept, and that is left out here too)."""

    train_path = "train"
    list_display = ["__str__", "train", "created_by", "created_at", "revoked_at"]
    list_filter = [related_only("train")]
    list_select_related = ["train", "created_by"]
    exclude = ["token_hash"]
