"""Form pieces every app's screens share: the version field, and handing a form to a service."""

from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import Truncator

from .errors import StaleVersion
from .guards import MISSING_VERSION
from .limits import DAY_OUT_OF_RANGE, day_in_range, parse_id
from .refusals import Refusal, refusal


class DayInput(forms.DateInput):
    """A date typed day first, as the app writes dates ("04/01/2027" for 4 Jan 2027), whatever the
    browser's language: a browser's own date field follows its locale (mm/dd/yyyy in US English).
    ISO dates ("2027-01-04") are accepted too."""

    input_type = "text"

    def __init__(self, attrs=None):
        super().__init__(
            attrs={
                "placeholder": "dd/mm/yyyy",
                "inputmode": "numeric",
                "autocomplete": "off",
                **(attrs or {}),
            },
            format="%d/%m/%Y",
        )


class DayField(forms.DateField):
    """A day of a plan (a PI's or an iteration's dates, a milestone, a due date, a demo): typed day
    first (DayInput) and between EARLIEST_DAY and LATEST_DAY (trains/limits.py). A date in year 1 or
    9999 is a typo, and one the date arithmetic built on it would fail on."""

    widget = DayInput

    def validate(self, value):
        super().validate(value)
        if value is not None and not day_in_range(value):
            raise ValidationError(DAY_OUT_OF_RANGE, code="out_of_range")


class RowsChoiceField(forms.ModelMultipleChoiceField):
    """A multi-select of rows by id (linked features, dependencies and objectives, blocked features,
    Business Owners): an id no row can have (not ASCII digits, 0, 2^63 or more) is refused as an
    invalid choice on the field, before the query that would fail on it with a 500 (SQLite cannot
    bind an integer past 64 bits; PostgreSQL's bigint ends at 2^63 - 1)."""

    def clean(self, value):
        if self.to_field_name is None and isinstance(value, list | tuple):
            for pk in value:
                if pk not in self.empty_values and parse_id(str(pk)) is None:
                    raise ValidationError(
                        self.error_messages["invalid_choice"],
                        code="invalid_choice",
                        params={"value": Truncator(str(pk)).chars(24)},
                    )
        return super().clean(value)


class VersionField(forms.IntegerField):
    """The version of the row an edit form was loaded with, posted back so the service can refuse a
    change based on an older one. Required: a form without it is refused, never saved unchecked."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"] = {
            "required": MISSING_VERSION,
            "invalid": MISSING_VERSION,
            **kwargs["error_messages"],
        }
        super().__init__(**kwargs)


class ShowsVersionErrors:
    """Form mixin: a problem with the (hidden) version is said above the form, where the page shows
    it; on the hidden field itself nobody would see why the save was refused."""

    def full_clean(self):
        super().full_clean()
        if self.is_bound and "version" in self._errors:
            messages = self._errors.pop("version")
            self.cleaned_data.pop("version", None)
            self.add_error(None, messages)


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's refusal on the fields it names; anything else above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


def form_refusal(form: forms.Form) -> Refusal:
    """A form that did not validate, as a refusal (422): each message named by its field's label,
    for an answer that has no room to show the form (a drag on the board, a table row)."""
    sentences = [
        f"{form[name].label}: {message}" if name in form.fields else message
        for name, messages in form.errors.items()
        for message in messages
    ]
    fields = {name: list(messages) for name, messages in form.errors.items()}
    return Refusal(422, "Not saved", " ".join(sentences), field_errors=fields)


def save_form(form: forms.Form, save: Callable[[dict], object]) -> Refusal | None:
    """Validate the form and hand its data to a service: None when saved, else the refusal, for a
    view that answers it better than a message alone:

    - 422: the input was refused; the messages are on the form's fields, the user's input kept;
    - 409: someone else saved first; nothing of the user's was applied and `refused.current` is the
      record as it is now, so the view shows the fresh data ("two people editing the same card never
      lose an edit silently").

    Any other domain error (not allowed, a closed PI) escapes to the middleware: a message is all
    the view could say about it.
    """
    if not form.is_valid():
        return form_refusal(form)
    try:
        save(form.cleaned_data)
    except StaleVersion as error:
        return refusal(error)
    except ValidationError as error:
        apply_service_errors(form, error)
        return refusal(error)
    return None
