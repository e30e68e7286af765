"""Admin for PIs, iterations, features, stories, milestones, dependencies, objectives, votes and capacity.

Every admin here is train-scoped (see trains.admin.TrainScopedAdmin): an RTE sees and fixes the
rows of their own trains only.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin

from trains.admin import TrainScopedAdmin, related_only

from . import services
from .models import (
    ConfidenceVote,
    Dependency,
    Feature,
    FeatureBlockedPeriod,
    FeatureStateChange,
    Iteration,
    Milestone,
    PIObjective,
    PlanBaseline,
    ProgramIncrement,
    Story,
    TeamCapacity,
    VoteRound,
)


class VersionedAdmin:
    """For models with an optimistic-concurrency `version`: an admin edit is a write like any other.

    Bumping it makes an open board or API client that still holds the old version get "stale"
    instead of silently overwriting the fix made here.
    """

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "version"]

    def save_model(self, request, obj, form, change):
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)


class IterationForm(forms.ModelForm):
    """Refuses, with a message, the dates the database trigger would refuse with an IntegrityError."""

    class Meta:
        model = Iteration
        fields = ["pi", "number", "start_date", "end_date", "is_ip"]

    def clean(self):
        cleaned_data = super().clean()
        pi = cleaned_data.get("pi") or (self.instance.pi if self.instance.pi_id else None)
        start, end = cleaned_data.get("start_date"), cleaned_data.get("end_date")
        if pi is not None and start and end and (start < pi.start_date or end > pi.end_date):
            raise forms.ValidationError(
                f"An iteration must lie inside its PI ({pi.start_date:%d %b %Y} – {pi.end_date:%d %b %Y})."
            )
        return cleaned_data


# --- inlines ---------------------------------------------------------------------------------------


class IterationInline(TrainScopedAdmin, admin.TabularInline):
    model = Iteration
    form = IterationForm
    train_path = "pi__train"
    fields = ["number", "start_date", "end_date", "is_ip"]
    extra = 0
    show_change_link = True


class StoryInline(TrainScopedAdmin, admin.TabularInline):
    model = Story
    train_path = "team__train"
    fields = ["title", "team", "iteration", "points", "state", "done_at"]
    extra = 0
    show_change_link = True


class FeatureStateChangeInline(TrainScopedAdmin, admin.TabularInline):
    """The feature's Kanban history, written by the feature services; shown, never edited here."""

    model = FeatureStateChange
    train_path = "feature__train"
    fields = ["changed_at", "from_state", "to_state", "actor"]
    readonly_fields = fields
    always_select_related = ("actor",)
    ordering = ["changed_at", "pk"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class FeatureBlockedPeriodInline(TrainScopedAdmin, admin.TabularInline):
    model = FeatureBlockedPeriod
    train_path = "feature__train"
    fields = ["started_at", "ended_at", "reason"]
    ordering = ["started_at"]
    extra = 0


# --- program increments and iterations ----------------------------------------------------------


@admin.register(ProgramIncrement)
class ProgramIncrementAdmin(TrainScopedAdmin, admin.ModelAdmin):
    train_path = "train"
    list_display = ["name", "train", "state", "start_date", "end_date", "committed_at", "board_version"]
    list_filter = ["state", related_only("train")]
    list_select_related = ["train"]
    search_fields = ["name", "train__name"]
    date_hierarchy = "start_date"
    readonly_fields = ["board_version", "created_at"]
    inlines = [IterationInline]


@admin.register(Iteration)
class IterationAdmin(TrainScopedAdmin, admin.ModelAdmin):
    form = IterationForm
    train_path = "pi__train"
    always_select_related = ("pi",)
    list_display = ["__str__", "train", "number", "start_date", "end_date", "is_ip"]
    list_filter = ["is_ip", related_only("pi__train"), related_only("pi")]
    list_select_related = ["pi__train"]
    search_fields = ["pi__name", "pi__train__name"]
    date_hierarchy = "start_date"
    autocomplete_fields = ["pi"]

    @admin.display(ordering="pi__train__name")
    def train(self, iteration: Iteration):
        return iteration.pi.train


# --- features and their stories -----------------------------------------------------------------


@admin.register(Feature)
class FeatureAdmin(VersionedAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "train"
    list_display = [
        "title",
        "train",
        "pi",
        "team",
        "iteration_label",
        "kind",
        "state",
        "wsjf_display",
        "is_blocked",
        "updated_at",
    ]
    list_filter = [
        "state",
        "kind",
        "is_blocked",
        related_only("train"),
        related_only("pi"),
        related_only("team"),
    ]
    list_select_related = ["train", "pi", "team", "iteration"]
    search_fields = ["title", "description"]
    autocomplete_fields = ["pi", "iteration"]
    readonly_fields = [
        "cost_of_delay",
        "wsjf_display",
        "created_at",
        "updated_at",
        "state_changed_at",
        "started_at",
        "done_at",
    ]
    fieldsets = [
        (None, {"fields": ["title", "kind", "state", "is_blocked", "description", "acceptance_criteria"]}),
        ("On the program board", {"fields": ["train", "pi", "team", "iteration"]}),
        (
            "WSJF",
            {
                "fields": [
                    "business_value",
                    "time_criticality",
                    "risk_reduction",
                    "job_size",
                    "cost_of_delay",
                    "wsjf_display",
                ]
            },
        ),
        (
            "History",
            {"fields": ["version", "created_at", "updated_at", "state_changed_at", "started_at", "done_at"]},
        ),
    ]
    inlines = [StoryInline, FeatureStateChangeInline, FeatureBlockedPeriodInline]

    def save_model(self, request, obj, form, change):
        # State and the blocked flag carry history that flow metrics are built on (state changes,
        # started/done times, blocked periods): they change through the services, as on the board.
        # The admin has already checked the user's rights on this train, so the services run as a
        # trusted caller (actor None).
        wanted_state, wanted_blocked = obj.state, obj.is_blocked
        if change:
            obj.state, obj.is_blocked = form.initial["state"], form.initial["is_blocked"]
        else:
            obj.state, obj.is_blocked = Feature.State.FUNNEL, False
        super().save_model(request, obj, form, change)
        if wanted_state != obj.state:
            services.feature_set_state(feature=obj, state=wanted_state)
        if wanted_blocked != obj.is_blocked:
            services.feature_set_blocked(feature=obj, blocked=wanted_blocked, reason="Set in the admin")

    @admin.display(description="iteration", ordering="iteration__number")
    def iteration_label(self, feature: Feature) -> str:
        return feature.iteration.label if feature.iteration else "–"

    @admin.display(description="WSJF")
    def wsjf_display(self, feature: Feature) -> str:
        wsjf = feature.wsjf
        return "–" if wsjf is None else f"{wsjf:.2f}"


@admin.register(FeatureStateChange)
class FeatureStateChangeAdmin(TrainScopedAdmin, admin.ModelAdmin):
    train_path = "feature__train"
    always_select_related = ("feature",)
    list_display = ["feature", "from_state", "to_state", "changed_at", "actor"]
    list_filter = ["to_state", related_only("feature__train")]
    list_select_related = ["feature", "actor"]
    ordering = ["-changed_at", "-pk"]  # the latest moves first
    search_fields = ["feature__title"]
    date_hierarchy = "changed_at"
    autocomplete_fields = ["feature"]
    raw_id_fields = ["actor"]


@admin.register(FeatureBlockedPeriod)
class FeatureBlockedPeriodAdmin(TrainScopedAdmin, admin.ModelAdmin):
    train_path = "feature__train"
    always_select_related = ("feature",)
    list_display = ["feature", "started_at", "ended_at", "reason"]
    list_filter = [("ended_at", admin.EmptyFieldListFilter), related_only("feature__train")]
    list_select_related = ["feature"]
    ordering = ["-started_at"]
    search_fields = ["feature__title", "reason"]
    date_hierarchy = "started_at"
    autocomplete_fields = ["feature"]


@admin.register(Story)
class StoryAdmin(TrainScopedAdmin, admin.ModelAdmin):
    train_path = "team__train"
    list_display = ["title", "feature", "team", "iteration_label", "points", "state", "done_at"]
    list_filter = ["state", related_only("team__train"), related_only("team")]
    list_select_related = ["feature", "team", "iteration"]
    search_fields = ["title", "feature__title"]
    autocomplete_fields = ["feature", "iteration"]
    readonly_fields = ["created_at"]

    @admin.display(description="iteration", ordering="iteration__number")
    def iteration_label(self, story: Story) -> str:
        return story.iteration.label if story.iteration else "–"


# --- the rest of the board ----------------------------------------------------------------------


@admin.register(Milestone)
class MilestoneAdmin(VersionedAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "pi__train"
    list_display = ["name", "date", "kind", "pi", "train"]
    list_filter = ["kind", related_only("pi__train"), related_only("pi")]
    list_select_related = ["pi__train"]
    search_fields = ["name", "description"]
    date_hierarchy = "date"
    autocomplete_fields = ["pi"]

    @admin.display(ordering="pi__train__name")
    def train(self, milestone: Milestone):
        return milestone.pi.train


@admin.register(Dependency)
class DependencyAdmin(VersionedAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "pi__train"
    always_select_related = ("requesting_team", "providing_team")
    list_display = [
        "description",
        "requesting_team",
        "providing_team",
        "needed_by",
        "kind",
        "state",
        "owner",
        "pi",
        "created_at",
    ]
    list_filter = [
        "state",
        "kind",
        related_only("pi__train"),
        related_only("pi"),
        related_only("requesting_team"),
        related_only("providing_team"),
    ]
    list_select_related = ["requesting_team", "providing_team", "needed_by_iteration", "owner", "pi"]
    search_fields = [
        "description",
        "requesting_team__name",
        "providing_team__name",
        "requesting_feature__title",
        "providing_feature__title",
    ]
    date_hierarchy = "created_at"
    autocomplete_fields = ["pi", "requesting_feature", "providing_feature", "needed_by_iteration"]
    raw_id_fields = ["owner"]
    readonly_fields = ["updated_at"]

    @admin.display(description="needed by", ordering="needed_by_iteration__number")
    def needed_by(self, dependency: Dependency) -> str:
        iteration = dependency.needed_by_iteration
        return iteration.label if iteration else "–"


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
    readonly_fields = ["created_at"]


class ConfidenceVoteInline(admin.TabularInline):
    model = ConfidenceVote
    extra = 0
    raw_id_fields = ["voter"]
    readonly_fields = ["cast_at"]


@admin.register(VoteRound)
class VoteRoundAdmin(TrainScopedAdmin, admin.ModelAdmin):
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
class ConfidenceVoteAdmin(TrainScopedAdmin, admin.ModelAdmin):
    train_path = "round__pi__train"
    always_select_related = ("voter", "round__pi", "round__team")
    list_display = ["round", "voter", "score", "cast_at"]
    list_filter = ["score", related_only("round__pi__train"), related_only("round__pi")]
    search_fields = ["voter__username", "voter__first_name", "voter__last_name", "concern"]
    date_hierarchy = "cast_at"
    raw_id_fields = ["round", "voter"]
    readonly_fields = ["cast_at"]


@admin.register(PlanBaseline)
class PlanBaselineAdmin(TrainScopedAdmin, admin.ModelAdmin):
    """Baselines are records of what was committed: read them here, never edit them."""

    train_path = "pi__train"
    always_select_related = ("pi",)
    list_display = ["pi", "committed_at", "committed_by"]
    list_filter = [related_only("pi__train"), related_only("pi")]
    readonly_fields = ["pi", "committed_at", "committed_by", "plan"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TeamCapacity)
class TeamCapacityAdmin(TrainScopedAdmin, admin.ModelAdmin):
    train_path = "team__train"
    always_select_related = ("team", "iteration")
    list_display = ["team", "iteration", "fte", "days_off", "capacity_override", "capacity"]
    list_filter = [related_only("team__train"), related_only("iteration__pi"), related_only("team")]
    list_select_related = ["team", "iteration__pi"]
    search_fields = ["team__name", "iteration__pi__name"]
    autocomplete_fields = ["iteration"]

    @admin.display(description="capacity (points)")
    def capacity(self, capacity: TeamCapacity) -> str:
        return f"{capacity.capacity_points:g}"
