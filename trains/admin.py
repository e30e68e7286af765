"""Admin for trains, teams and memberships (the shared machinery is in trains/admin_base.py)."""

from __future__ import annotations

from contextlib import contextmanager

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count

from . import services
from .admin_base import ReadOnlyAdmin, ReadOnlyInline, ServiceAdmin, TrainScopedAdmin, related_only
from .models import ApiToken, Change, Comment, InboxItem, Membership, Team, Train, Webhook, WebhookDelivery
from .services import TRAIN_FIELDS

User = get_user_model()


class TeamInline(ReadOnlyInline, TrainScopedAdmin, admin.TabularInline):
    """The train's teams, changed on their own page (team_create, team_update, team_delete)."""

    model = Team
    train_path = "train"
    fields = ["name", "kind", "position"]
    extra = 0
    show_change_link = True


class TrainMembershipInline(ReadOnlyInline, TrainScopedAdmin, admin.TabularInline):
    """Everyone's roles on the train. Shown here, given and taken in the memberships admin or on a
    team's page: one formset mixing train and team roles would make every refusal hard to place."""

    model = Membership
    train_path = "train"
    fields = ["user", "role", "team"]
    always_select_related = ("user", "team")
    extra = 0
    show_change_link = True


class TeamMembershipInline(TrainScopedAdmin, admin.TabularInline):
    """A team's members, written through the membership services by TeamAdmin.save_formset; the
    membership's train is the team's."""

    model = Membership
    train_path = "train"
    fk_name = "team"
    fields = ["user", "role"]
    raw_id_fields = ["user"]
    always_select_related = ("user", "team")
    extra = 0


class TrainCreateForm(forms.ModelForm):
    """A new train and its first Release Train Engineer, created together by train_create."""

    rte = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True),
        label="Release Train Engineer",
        help_text="The train's first RTE: they run it from here on (roles, teams, PIs).",
    )

    class Meta:
        model = Train
        fields = TRAIN_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A picker over every user, as the memberships' user field has (raw_id_fields), not a select.
        self.fields["rte"].widget = ForeignKeyRawIdWidget(
            Membership._meta.get_field("user").remote_field, admin.site
        )


@admin.register(Train)
class TrainAdmin(ServiceAdmin, TrainScopedAdmin, admin.ModelAdmin):
    """The RTE changes their train's name and cadence (train_update); a superuser creates a train with
    its first RTE and deletes an empty one (train_create, train_delete). Teams and roles are shown
    here and changed on their own pages."""

    train_path = ""
    list_display = [
        "name",
        "slug",
        "team_count",
        "member_count",
        "iteration_length_days",
        "iterations_per_pi",
    ]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at"]
    fields = [*TRAIN_FIELDS, "created_at"]
    inlines = [TeamInline, TrainMembershipInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                team_count=Count("teams", distinct=True),
                member_count=Count("memberships__user", distinct=True),
            )
        )

    @admin.display(description="teams", ordering="team_count")
    def team_count(self, train: Train) -> int:
        return train.team_count

    @admin.display(description="people", ordering="member_count")
    def member_count(self, train: Train) -> int:
        return train.member_count

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "slug", "rte", "description", "iteration_length_days", "iterations_per_pi"]
        return super().get_fields(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = TrainCreateForm
        return super().get_form(request, obj, change, **kwargs)

    # An RTE fixes their train; creating or deleting whole trains is left to superusers (a train
    # an RTE created would hold no RTE role and vanish from their own admin at once). The services
    # say the same; these only keep the buttons away from the RTE.
    def has_add_permission(self, request):
        return request.user.is_superuser and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def service_create(self, request, form):
        data = form.cleaned_data
        return services.train_create(
            rte=data["rte"], actor=request.user, **{name: data[name] for name in TRAIN_FIELDS}
        )

    def service_update(self, request, train, form):
        data = form.cleaned_data
        return services.train_update(
            train=Train.objects.get(pk=train.pk),
            actor=request.user,
            **{name: data[name] for name in TRAIN_FIELDS},
        )

    def service_delete_check(self, request, train):
        services.train_delete_check(train=train)

    def service_delete(self, request, train):
        services.train_delete(train=train, actor=request.user)


@admin.register(Team)
class TeamAdmin(ServiceAdmin, TrainScopedAdmin, admin.ModelAdmin):
    """A team and its members, written by the team and membership services as the RTE."""

    train_path = "train"
    fields = ["train", "name", "kind", "position"]
    list_display = ["name", "train", "kind", "position", "member_count"]
    list_filter = [related_only("train"), "kind"]
    list_select_related = ["train"]
    search_fields = ["name", "train__name"]
    ordering = ["train__name", "position", "name"]
    inlines = [TeamMembershipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("memberships__user", distinct=True))

    @admin.display(description="people", ordering="member_count")
    def member_count(self, team: Team) -> int:
        return team.member_count

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        return readonly if obj is None else [*readonly, "train"]  # a team stays on its train

    def service_create(self, request, form):
        data = form.cleaned_data
        return services.team_create(
            train=data["train"],
            name=data["name"],
            kind=data["kind"],
            position=data["position"],
            actor=request.user,
        )

    def service_update(self, request, team, form):
        data = form.cleaned_data
        return services.team_update(
            # The form has already put its values on `team`: the service starts from the stored row.
            team=Team.objects.select_related("train").get(pk=team.pk),
            name=data["name"],
            kind=data["kind"],
            position=data["position"],
            actor=request.user,
        )

    def service_delete_check(self, request, team):
        services.team_delete_check(team=team)

    def service_delete(self, request, team):
        services.team_delete(team=team, actor=request.user)

    def save_formset(self, request, form, formset, change):
        # Called once the team is saved (by the service), in the same transaction: a refused row
        # rolls the team's own change back too, and the form shows why.
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        team = Team.objects.select_related("train").get(pk=form.instance.pk)
        actor = request.user
        # What the admin's history entry lists (construct_change_message reads these, as formset.save sets them).
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.initial_forms:
            if inline_form in formset.deleted_forms:
                stored = _stored_membership(inline_form.instance.pk)
                with _refusal_names(stored.user):
                    services.membership_remove(membership=stored, actor=actor)
                formset.deleted_objects.append(stored)
            elif inline_form.has_changed():
                stored = _stored_membership(inline_form.instance.pk)
                user, role = inline_form.cleaned_data["user"], inline_form.cleaned_data["role"]
                with _refusal_names(user):
                    if user.pk == stored.user_id:
                        saved = services.membership_update(
                            membership=stored, role=role, team=team, actor=actor
                        )
                        formset.changed_objects.append((saved, inline_form.changed_data))
                    else:
                        # Another person in the row: their role is given, the previous holder's taken.
                        services.membership_remove(membership=stored, actor=actor)
                        formset.deleted_objects.append(stored)
                        formset.new_objects.append(
                            services.membership_add(
                                train=team.train, user=user, role=role, team=team, actor=actor
                            )
                        )
        for inline_form in formset.extra_forms:
            if inline_form.has_changed() and inline_form not in formset.deleted_forms:
                user, role = inline_form.cleaned_data["user"], inline_form.cleaned_data["role"]
                with _refusal_names(user):
                    formset.new_objects.append(
                        services.membership_add(
                            train=team.train, user=user, role=role, team=team, actor=actor
                        )
                    )
        return None


def _stored_membership(pk: int) -> Membership:
    # An inline form has already put its values on its instance: the services start from the stored row.
    return Membership.objects.select_related("train", "user").get(pk=pk)


@contextmanager
def _refusal_names(user):
    """Say whose row a membership's field refusal is about: it is shown above the team's form, whose
    fields it does not name."""
    try:
        yield
    except ValidationError as error:
        raise ValidationError(f"{user}: {' '.join(error.messages)}") from error


@admin.register(Membership)
class MembershipAdmin(ServiceAdmin, TrainScopedAdmin, admin.ModelAdmin):
    """Roles are given, changed and taken by the membership services; the train's RTE decides."""

    train_path = "train"
    fields = ["user", "train", "team", "role", "created_at"]
    list_display = ["user", "role", "train", "team", "created_at"]
    list_filter = ["role", related_only("train"), related_only("team")]
    list_select_related = ["user", "train", "team"]
    always_select_related = ("user", "train", "team")
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email", "team__name"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_at"]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        # A membership stays the same person's on the same train: another person's role is another row.
        return readonly if obj is None else [*readonly, "user", "train"]

    def service_create(self, request, form):
        data = form.cleaned_data
        return services.membership_add(
            train=data["train"], user=data["user"], role=data["role"], team=data["team"], actor=request.user
        )

    def service_update(self, request, membership, form):
        data = form.cleaned_data
        return services.membership_update(
            membership=_stored_membership(membership.pk),
            role=data["role"],
            team=data["team"],
            actor=request.user,
        )

    def service_delete(self, request, membership):
        services.membership_remove(membership=_stored_membership(membership.pk), actor=request.user)


# --- tokens and webhooks: shown, never written here (the Account and Webhooks pages do) --------------


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Tokens belong to no train: only superusers see them (never the secret, which is not kept)."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__username"]
    fields = list_display

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Webhook)
class WebhookAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "train"
    list_display = ["url", "train", "is_active", "consecutive_failures", "disabled_at"]
    list_filter = ["is_active", related_only("train")]
    list_select_related = ["train"]
    # Not the secret: it signs the train's deliveries.
    fields = [
        "train",
        "url",
        "description",
        "events",
        "is_active",
        "consecutive_failures",
        "disabled_at",
        "disabled_reason",
        "created_by",
        "created_at",
        "version",
    ]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "webhook__train"
    always_select_related = ("webhook__train",)
    list_display = ["event", "webhook", "state", "attempts", "response_status", "duration_ms", "created_at"]
    list_filter = ["state", "event"]
    fields = [
        "webhook",
        "uuid",
        "event",
        "event_id",
        "payload",
        "state",
        "attempts",
        "attempt_log",
        "response_status",
        "duration_ms",
        "error",
        "created_at",
        "last_attempt_at",
    ]


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    """Read-only: a comment is edited by its author and removed (with a trace) on the item's page,
    through trains.conversation's services; the admin shows the text of a removed one for an audit."""

    train_path = "train"
    always_select_related = ("train", "author", "target_type")
    list_display = ["__str__", "train", "author", "created_at", "edited_at", "removed_at"]
    list_filter = [related_only("train")]
    fields = [
        "train",
        "target_type",
        "target_id",
        "author",
        "body",
        "created_at",
        "edited_at",
        "removed_at",
        "removed_by",
        "version",
    ]


@admin.register(Change)
class ChangeAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    """Read-only: history is written by the services as changes happen and never edited (trains/history)."""

    train_path = "train"
    always_select_related = ("train",)
    list_display = ["at", "actor_name", "action", "kind", "object_label", "door", "train"]
    list_filter = ["kind", "action", "door", related_only("train")]
    search_fields = ["object_label", "actor_name"]
    date_hierarchy = "at"
    fields = [
        "train",
        "at",
        "actor",
        "actor_name",
        "door",
        "kind",
        "object_id",
        "object_label",
        "action",
        "fields",
        "note",
    ]


@admin.register(InboxItem)
class InboxItemAdmin(ReadOnlyAdmin, TrainScopedAdmin, admin.ModelAdmin):
    train_path = "train"
    always_select_related = ("train", "user")
    list_display = ["user", "kind", "train", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind", related_only("train")]
    fields = ["user", "train", "kind", "event", "text", "url", "actor", "created_at", "read_at", "emailed_at"]
