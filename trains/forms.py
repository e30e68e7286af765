"""Form pieces every app's screens share."""

from django import forms

from .guards import MISSING_VERSION


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
