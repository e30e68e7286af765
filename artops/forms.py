"""Form helpers shared by every app's screens."""

from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError

from trains.errors import StaleVersion


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's refusal on the fields it names; anything else above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


def save_form(form: forms.Form, save: Callable[[dict], object]) -> int:
    """Validate the form and hand its data to a service; the HTTP status of the outcome, for views
    that answer every outcome with the same fragment: 200 saved; 409 someone else saved first
    (nothing of the user's is applied); 422 refused, with the messages on the form's fields."""
    if not form.is_valid():
        return 422
    try:
        save(form.cleaned_data)
    except StaleVersion:
        return 409
    except ValidationError as error:
        apply_service_errors(form, error)
        return 422
    return 200
