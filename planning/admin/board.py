"""Admin for the program board: PIs and iterations, features and their stories, milestones and
dependencies. Writes go through planning's services as the RTE (trains.admin_base.ServiceAdmin)."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from trains.admin_base import (
    ReadOnlyAdmin,
    ReadOnlyInline,
    ServiceAdmin,
    TrainScopedAdmin,
    VersionedAdmin,
    related_only,
)
from trains.guards import lock_for_change

from .. import services
from ..models import (
    BoardChange,
    Dependency,
    Feature,
    FeatureBlockedPeriod,
    FeatureStateChange,
    Iteration,
    Milestone,
    ProgramIncrement,
    Story,
)
from ..services import backlog as backlog_services
from ..services import lifecycle as lifecycle_services
from ..services import stories as story_services


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


class IterationInline(ReadOnlyInline, TrainScopedAdmin, admin.TabularInline):
    model = Iteration
    form = IterationForm
    train_path = "pi__train"
    fields = ["number", "start_date", "end_date", "is_ip"]
    extra = 0
    show_change_link = True


class StoryInline(ReadOnlyInline, TrainScopedAdmin, admin.TabularInline):
    model = Story
    train_path = "team__train"
    fields = ["title", "team", "iteration", "points", "state", "done_at"]
    extra = 0
    show_change_link = True


class FeatureStateChangeInline(ReadOnlyInline, TrainScopedAdmin, admin.TabularInline):
    """The feature's Kanban history, written by the feature services; shown, never edited here."""

    model = FeatureStateChange
    train_path = "feature__train"
    fields = ["changed_at", "from_state", "to_state", "actor"]
    readonly_fields = fields
    always_select_related = ("actor",)
    ordering = ["changed_at", "pk"]
    extra = 0
    can_delete = False


class FeatureBlockedPeriodInline(ReadOnlyInline, TrainScopedAdmin, admin.TabularInline):
    model = FeatureBlockedPeriod
    train_path = "feature__train"
    fields = ["started_at", "ended_at", "reason"]
    ordering = ["started_at"]
    extra = 0


# --- program increments and iterations ----------------------------------------------------------


@admin.register(ProgramIncrement)
class ProgramIncrementAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    """Read-only: a PI is created, dated, moved through its states and reopened on its planning page,
    whose services keep its iterations on the cadence and a closed PI's record intact."""

    train_path = "train"
    list_display = ["name", "train", "state", "start_date", "end_date", "committed_at", "board_version"]
    list_filter = ["state", related_only("train")]
    list_select_related = ["train"]
    search_fields = ["name", "train__name"]
    date_hierarchy = "start_date"
    readonly_fields = ["board_version", "created_at"]
    inlines = [IterationInline]


@admin.register(Iteration)
class IterationAdmin(ServiceAdmin, TrainScopedAdmin, admin.ModelAdmin):
    """An iteration's dates are fixed here (iteration_update); iterations are made with their PI."""

    form = IterationForm
    train_path = "pi__train"
    always_select_related = ("pi",)
    list_display = ["__str__", "train", "number", "start_date", "end_date", "is_ip"]
    list_filter = ["is_ip", related_only("pi__train"), related_only("pi")]
    list_select_related = ["pi__train"]
    search_fields = ["pi__name", "pi__train__name"]
    date_hierarchy = "start_date"
    autocomplete_fields = ["pi"]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "pi", "number", "is_ip"]

    def service_update(self, request, iteration, form):
        data = form.cleaned_data
        return lifecycle_services.iteration_update(
            iteration=Iteration.objects.select_related("pi").get(pk=iteration.pk),
            start_date=data["start_date"],
            end_date=data["end_date"],
            actor=request.user,
        )

    @admin.display(ordering="pi__train__name")
    def train(self, iteration: Iteration):
        return iteration.pi.train


# --- features and their stories -----------------------------------------------------------------


@admin.register(Feature)
class FeatureAdmin(VersionedAdmin, TrainScopedAdmin, admin.ModelAdmin):
    """Features are created and changed through the board's services; deleting one is not offered
    (no service deletes a feature: its history and links are the train's record)."""

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

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return readonly if obj is None else [*readonly, "train"]  # a feature stays on its train

    def service_create(self, request, form):
        data = form.cleaned_data
        feature = services.feature_create(
            train=data["train"],
            title=data["title"],
            actor=request.user,
            pi=data["pi"],
            team=data["team"],
            iteration=data["iteration"],
            **{name: data[name] for name in services.FEATURE_FIELDS if name != "title"},
        )
        return self._set_flow(request, feature, data)

    def service_update(self, request, feature, form):
        """One admin save may touch fields, place, state and the blocked flag: each through its
        service, all checked against the one version the form was loaded with."""
        data, changed = form.cleaned_data, set(form.changed_data)
        current = lock_for_change(Feature.objects.select_related("pi"), feature.pk, data["version"])
        fields = {name: data[name] for name in services.FEATURE_FIELDS if name in changed}
        if fields:
            current = services.feature_update(
                feature=current, expected_version=current.version, actor=request.user, **fields
            )
        if data["pi"] != current.pi:
            current = backlog_services.feature_pull(
                feature=current,
                pi=data["pi"],
                team=data["team"],
                expected_version=current.version,
                actor=request.user,
            )
        place = (getattr(data["team"], "pk", None), getattr(data["iteration"], "pk", None))
        if place != (current.team_id, current.iteration_id):
            current = services.feature_move(
                feature=Feature.objects.select_related("pi").get(pk=current.pk),
                team_id=place[0],
                iteration_id=place[1],
                expected_version=current.version,
                actor=request.user,
            )
        return self._set_flow(request, current, data)

    @staticmethod
    def _set_flow(request, feature: Feature, data: dict) -> Feature:
        # State and the blocked flag carry the history flow metrics are built on (state changes,
        # started/done times, blocked periods): they change through their services, as on the board.
        feature = Feature.objects.select_related("pi").get(pk=feature.pk)
        if data["state"] != feature.state:
            feature = services.feature_set_state(feature=feature, state=data["state"], actor=request.user)
        if data["is_blocked"] != feature.is_blocked:
            feature = services.feature_set_blocked(
                feature=feature, blocked=data["is_blocked"], actor=request.user, reason="Set in the admin"
            )
        return feature

    @admin.display(description="iteration", ordering="iteration__number")
    def iteration_label(self, feature: Feature) -> str:
        return feature.iteration.label if feature.iteration else "–"

    @admin.display(description="WSJF")
    def wsjf_display(self, feature: Feature) -> str:
        wsjf = feature.wsjf
        return "–" if wsjf is None else f"{wsjf:.2f}"


@admin.register(FeatureStateChange)
class FeatureStateChangeAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
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
class FeatureBlockedPeriodAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
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
class StoryAdmin(VersionedAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "team__train"
    fields = ["team", "title", "points", "feature", "iteration", "state", "done_at", "created_at", "version"]
    list_display = ["title", "feature", "team", "iteration_label", "points", "state", "done_at"]
    list_filter = ["state", related_only("team__train"), related_only("team")]
    list_select_related = ["feature", "team", "iteration"]
    search_fields = ["title", "feature__title"]
    autocomplete_fields = ["feature", "iteration"]
    readonly_fields = ["state", "done_at", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return readonly if obj is None else [*readonly, "team"]

    def service_create(self, request, form):
        data = form.cleaned_data
        return story_services.story_create(
            team=data["team"],
            title=data["title"],
            points=data["points"],
            feature=data["feature"],
            iteration=data["iteration"],
            actor=request.user,
        )

    def service_update(self, request, story, form):
        data = form.cleaned_data
        return story_services.story_update(
            story=story,
            expected_version=data["version"],
            actor=request.user,
            **{name: data[name] for name in story_services.STORY_FIELDS},
        )

    def service_delete(self, request, story):
        # The confirmation page carries no version: the one read for it is the one deleted.
        story_services.story_delete(story=story, expected_version=story.version, actor=request.user)

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
    fields = ["pi", "name", "date", "kind", "description", "version"]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return readonly if obj is None else [*readonly, "pi"]

    def service_create(self, request, form):
        data = form.cleaned_data
        return services.milestone_create(
            pi=data["pi"],
            name=data["name"],
            date=data["date"],
            kind=data["kind"],
            description=data["description"],
            actor=request.user,
        )

    def service_update(self, request, milestone, form):
        data = form.cleaned_data
        return services.milestone_update(
            milestone=milestone,
            expected_version=data["version"],
            actor=request.user,
            **{name: data[name] for name in ("name", "date", "kind", "description")},
        )

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
    fields = ["pi", *services.DEPENDENCY_FIELDS, "created_at", "resolved_at", "updated_at", "version"]
    readonly_fields = ["created_at", "resolved_at", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return readonly if obj is None else [*readonly, "pi"]

    def service_create(self, request, form):
        data = form.cleaned_data
        return services.dependency_create(
            pi=data["pi"], actor=request.user, **{name: data[name] for name in services.DEPENDENCY_FIELDS}
        )

    def service_update(self, request, dependency, form):
        data = form.cleaned_data
        return services.dependency_update(
            dependency=dependency,
            expected_version=data["version"],
            actor=request.user,
            **{name: data[name] for name in services.DEPENDENCY_FIELDS},
        )

    @admin.display(description="needed by", ordering="needed_by_iteration__number")
    def needed_by(self, dependency: Dependency) -> str:
        iteration = dependency.needed_by_iteration
        return iteration.label if iteration else "–"


@admin.register(BoardChange)
class BoardChangeAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    """Read-only: what each step of a board's version changed, written by the planning services for
    open boards to fetch (planning.selectors.board.board_delta)."""

    train_path = "pi__train"
    always_select_related = ("pi",)
    list_display = ["pi", "version", "kind", "object_id"]
    list_filter = ["kind", related_only("pi__train")]
    list_select_related = ["pi"]
    ordering = ["-pi", "-version"]
