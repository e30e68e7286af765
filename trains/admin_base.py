"""The admin machinery every ARTops admin shares: train scoping, and writes through the services.

The admin is where a Release Train Engineer fixes any record of their train by hand. Nobody sees a
train they hold no role on (domain.md §1), so for anyone but a superuser every admin page, inline,
foreign-key choice and autocomplete is cut down to the trains where the user is RTE, and being RTE
there (plus `is_staff`) is all the permission they need: no Django model permissions to hand out.
Every add, change and delete goes through the model's service as the signed-in user (ServiceAdmin).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.exceptions import NotRegistered
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.contrib.auth import get_user_model
from django.core import checks
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect

from .errors import Conflict, NotAllowed, StaleVersion
from .guards import MISSING_VERSION
from .models import Membership, Role, Train

# Where the RTE's train ids are kept for the rest of the request: the admin asks for permissions
# a dozen times per page (index, sidebar, every inline, every related-field widget).
_RTE_TRAINS_ATTRIBUTE = "_artops_rte_train_ids"


def rte_train_ids(request: HttpRequest) -> frozenset[int]:
    """The ids of the trains the request's user is Release Train Engineer of (one query per request)."""
    cached = getattr(request, _RTE_TRAINS_ATTRIBUTE, None)
    if cached is not None:
        return cached
    user = request.user
    if user.is_authenticated and user.is_active and user.is_staff:
        train_ids = frozenset(
            Membership.objects.filter(user_id=user.pk, role=Role.RTE).values_list("train_id", flat=True)
        )
    else:
        train_ids = frozenset()
    setattr(request, _RTE_TRAINS_ATTRIBUTE, train_ids)
    return train_ids


def scope_to_rte_trains(request: HttpRequest, queryset: QuerySet, train_path: str) -> QuerySet:
    """Rows whose train (reached by `train_path`, "" for a train itself) the user is RTE of.

    Superusers keep every row: they are the ones who look after all trains.
    """
    if request.user.is_active and request.user.is_superuser:
        return queryset
    lookup = f"{train_path}__in" if train_path else "pk__in"
    return queryset.filter(**{lookup: rte_train_ids(request)})


def related_only(field_path: str) -> tuple[str, type[admin.RelatedOnlyFieldListFilter]]:
    """A sidebar filter offering only the related rows present in the (scoped) list.

    The plain related filter lists every row of the related table, which would name trains,
    teams and PIs of trains the user holds no role on.
    """
    return (field_path, admin.RelatedOnlyFieldListFilter)


def visible_users(request: HttpRequest, queryset: QuerySet) -> QuerySet:
    """People holding a role on a train the user is RTE of (everyone, for a superuser).

    Users belong to no train, so their own admin is left to superusers; where a row names a person
    (owner, voter, raised by…) an RTE sees the names of their trains' people only.
    """
    if request.user.is_active and request.user.is_superuser:
        return queryset
    return queryset.filter(memberships__train_id__in=rte_train_ids(request)).distinct()


class ScopedRawIdWidget(ForeignKeyRawIdWidget):
    """A raw-id field that names the row it holds only when the user may see that row.

    Django's widget looks the id up in the whole table to print the row's name beside it, so an id
    typed in, or given in the add page's query string (?round=24), would show another train's row.
    """

    def __init__(self, rel, admin_site, *, visible: QuerySet, attrs=None, using=None):
        super().__init__(rel, admin_site, attrs, using)
        self.visible = visible

    def label_and_url_for_value(self, value):
        key = self.rel.get_related_field().name
        try:
            seen = self.visible.using(self.db).filter(**{key: value}).exists()
        except (ValueError, TypeError, ValidationError):
            seen = False
        return super().label_and_url_for_value(value) if seen else ("", "")


class TrainScopedAdmin:
    """Mixin for a ModelAdmin or an inline whose rows belong to one train.

    Declare `train_path`, the lookup from the model to its train: "train", "pi__train",
    "feature__train"…, or "" for the Train model itself. For a non-superuser the mixin then

    - lists and opens only rows of trains the user is RTE of (so another train's row is
      "not found", never "forbidden": its existence is not disclosed);
    - offers, in foreign-key and many-to-many fields, only rows of those trains, for every related
      model whose own admin is train-scoped (so a feature cannot be moved into another train's PI);
    - names, beside a raw-id field, only a row it would offer, or a person of those trains;
    - grants view/add/change/delete to staff who are RTE of at least one train, and nothing to
      other staff.

    `always_select_related` names the relations every use of the queryset needs (its `__str__`,
    read-only inline columns), so changelists, choices and autocompletes run no query per row.
    """

    train_path: str | None = None
    always_select_related: tuple[str, ...] = ()

    # --- rows -----------------------------------------------------------------------------------

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.always_select_related:
            queryset = queryset.select_related(*self.always_select_related)
        return scope_to_rte_trains(request, queryset, self.train_path)

    def get_field_queryset(self, db, db_field, request):
        # Both formfield_for_foreignkey and formfield_for_manytomany take their choices from here,
        # and the chosen value is validated against the same queryset, so a forged POST naming
        # another train's row is refused as an invalid choice.
        queryset = super().get_field_queryset(db, db_field, request)
        related_model = db_field.remote_field.model
        try:
            related_admin = self.admin_site.get_model_admin(related_model)
        except NotRegistered:
            return queryset
        train_path = getattr(related_admin, "train_path", None)
        if train_path is None:
            return queryset
        if queryset is None:
            queryset = related_model._default_manager.using(db).all()
        select_related = getattr(related_admin, "always_select_related", ())
        if select_related:
            queryset = queryset.select_related(*select_related)
        return scope_to_rte_trains(request, queryset, train_path)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if formfield is not None and type(formfield.widget) is ForeignKeyRawIdWidget:
            visible = formfield.queryset
            if db_field.remote_field.model is get_user_model():
                visible = visible_users(request, visible)
            formfield.widget = ScopedRawIdWidget(
                db_field.remote_field, self.admin_site, visible=visible, using=kwargs.get("using")
            )
        return formfield

    # --- permissions ----------------------------------------------------------------------------

    @staticmethod
    def is_rte_staff(request: HttpRequest) -> bool:
        return bool(rte_train_ids(request))

    def has_module_permission(self, request):
        if request.user.is_superuser:
            return super().has_module_permission(request)
        return self.is_rte_staff(request)

    def has_view_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_view_permission(request, obj)
        return self.is_rte_staff(request)

    def has_add_permission(self, request, *args):
        # *args: a ModelAdmin is asked (request), an inline (request, parent_obj).
        if request.user.is_superuser:
            return super().has_add_permission(request, *args)
        return self.is_rte_staff(request)

    def has_change_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_change_permission(request, obj)
        return self.is_rte_staff(request)

    def has_delete_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_delete_permission(request, obj)
        return self.is_rte_staff(request)

    # --- configuration check ---------------------------------------------------------------------

    def check(self, **kwargs):
        return [*super().check(**kwargs), *self._check_train_path()]

    def _check_train_path(self) -> list[checks.CheckMessage]:
        name = type(self).__qualname__
        if self.train_path is None:
            return [checks.Error(f"{name} must declare train_path.", obj=type(self), id="trains.E001")]
        model = self.model
        for part in filter(None, self.train_path.split("__")):
            try:
                model = model._meta.get_field(part).related_model
            except FieldDoesNotExist:
                model = None
            if model is None:
                break
        if model is not Train:
            return [
                checks.Error(
                    f"{name}.train_path {self.train_path!r} does not lead from "
                    f"{self.model._meta.label} to trains.Train.",
                    obj=type(self),
                    id="trains.E002",
                )
            ]
        return []


# --- writes through the services ---------------------------------------------------------------------

# What a service raises to refuse a write; anything else is a programming error and stays a 500.
REFUSALS = (ValidationError, NotAllowed, StaleVersion, Conflict)
# Where a refused save's reason waits for the form shown again (see ServiceAdmin.changeform_view).
_REFUSAL_ATTRIBUTE = "_artops_admin_refusal"


def refusal_text(error: Exception) -> str:
    if isinstance(error, StaleVersion):
        return (
            "Someone else changed this while you were editing. Nothing of yours was saved: "
            "reload the page to see the current version."
        )
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


def show_refusal(form: forms.BaseForm, error: Exception) -> None:
    """Put a service's refusal on the form fields it names, anything else above the form."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for name, field_messages in error.message_dict.items():
            visible = name in form.fields and not form.fields[name].widget.is_hidden
            form.add_error(name if visible else None, field_messages)
    else:
        form.add_error(None, refusal_text(error))


class ServiceAdmin:
    """Mixin for a ModelAdmin whose writes go through the app's services, as every other entry point's do.

    A subclass implements the writes it offers: `service_create(request, form)` and
    `service_update(request, obj, form)` return the saved row, `service_delete(request, obj)`.
    They call the services with `actor=request.user`, so the permission and business rules, the
    "board changed" signal and the metrics' stale mark apply as on any page. A write not implemented
    is not offered (its permission is False): the admin never saves a row behind the services.

    A refusal rolls the whole save back (the admin's change view runs in one transaction) and the
    form comes back with the user's input and the reason on its fields; a refused delete comes back
    to the object with the reason as a message.
    """

    service_create = None
    service_update = None
    service_delete = None
    # Optional `service_delete_check(request, obj)`: raises the refusal service_delete would, so the
    # delete page says it at once instead of asking to confirm a delete that will be refused.
    service_delete_check = None

    def has_add_permission(self, request, *args):
        return self.service_create is not None and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return self.service_update is not None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.service_delete is not None and super().has_delete_permission(request, obj)

    def get_actions(self, request):
        # The bulk delete deletes a queryset behind the services; one object at a time goes through them.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        saved = self.service_update(request, obj, form) if change else self.service_create(request, form)
        # The admin logs and redirects with the instance it built: bring it to the row the service wrote.
        for field in saved._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding, obj._state.db = False, saved._state.db

    def save_related(self, request, form, formsets, change):
        # Many-to-many fields are the service's to write (form.save_m2m would bypass it).
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        self.service_delete(request, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except REFUSALS as error:
            if request.method != "POST" or hasattr(request, _REFUSAL_ATTRIBUTE):
                raise
            # The save ran in the change view's transaction and is rolled back. Show the form
            # again with the user's input: the same view, whose form now carries the refusal.
            setattr(request, _REFUSAL_ATTRIBUTE, error)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, _REFUSAL_ATTRIBUTE, None)
        if refusal is None:
            return form_class

        class RefusedForm(form_class):
            def _post_clean(self):
                super()._post_clean()
                show_refusal(self, refusal)

        return RefusedForm

    def delete_view(self, request, object_id, extra_context=None):
        try:
            if self.service_delete_check is not None:
                obj = self.get_object(request, unquote(object_id))
                if obj is not None and self.has_delete_permission(request, obj):
                    self.service_delete_check(request, obj)
            return super().delete_view(request, object_id, extra_context)
        except REFUSALS as error:
            self.message_user(request, refusal_text(error), messages.ERROR)
            return HttpResponseRedirect(request.path.removesuffix("delete/") + "change/")


class ReadOnlyAdmin(ServiceAdmin):
    """For a model no service writes from the admin (history, computed or recorded rows): shown, never edited."""


class ReadOnlyInline:
    """An inline shown on its parent's page, never edited there: its rows are written by their services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class VersionedAdminForm(forms.ModelForm):
    """The admin form of a versioned row: it posts back the version it was loaded with, so the
    service refuses a save made over someone else's change instead of overwriting it."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        cleaned_data = super().clean()
        # Said above the form: a hidden field's own error would not be shown.
        if self.instance.pk and cleaned_data.get("version") is None:
            raise ValidationError(MISSING_VERSION)
        return cleaned_data


class VersionedAdmin(ServiceAdmin):
    """ServiceAdmin for a model with an optimistic-concurrency `version`: `form.cleaned_data["version"]`
    is the version the change was based on, for the service's `expected_version`."""

    form = VersionedAdminForm


# --- trains, teams and memberships -------------------------------------------------------------------
