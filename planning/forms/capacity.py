"""Forms for capacity and a team's stories. They parse input; the services enforce the rules."""

from django import forms

from planning.models import Feature, Iteration
from trains.forms import ShowsVersionErrors, VersionField


class CapacityForm(ShowsVersionErrors, forms.Form):
    fte = forms.DecimalField(
        label="FTE",
        help_text="Developers and testers",
        error_messages={"invalid": "FTE is a number, e.g. 6 or 5.5."},
        widget=forms.NumberInput(attrs={"step": "0.5", "min": "0", "max": "99", "inputmode": "decimal"}),
    )
    days_off = forms.IntegerField(
        label="Days off",
        required=False,
        error_messages={"invalid": "Days off is a whole number."},
        widget=forms.NumberInput(attrs={"min": "0", "step": "1"}),
    )
    capacity_override = forms.IntegerField(
        label="Override",
        required=False,
        help_text="Points, e.g. measured velocity",
        error_messages={"invalid": "The override is a whole number of points."},
        widget=forms.NumberInput(attrs={"min": "0", "step": "1"}),
    )
    version = VersionField(min_value=0)  # 0: the cell had no capacity entered yet

    def clean_days_off(self):
        value = self.cleaned_data["days_off"]
        return 0 if value is None else value


POINTS_MESSAGE = "Story points are a whole number, 0 or more."


class StoryForm(ShowsVersionErrors, forms.Form):
    title = forms.CharField(max_length=200)
    points = forms.IntegerField(
        label="Points",
        min_value=0,
        error_messages={
            "invalid": POINTS_MESSAGE,
            "min_value": POINTS_MESSAGE,
            "required": "Estimate it (0 is fine).",
        },
    )
    feature = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="Feature")
    iteration = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="Iteration")
    version = VersionField(required=False)  # required when editing: see __init__

    def __init__(
        self, *args, features: list[Feature], iterations: list[Iteration], editing: bool = False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.fields["version"].required = editing
        self.features = {feature.pk: feature for feature in features}
        self.iterations = {iteration.pk: iteration for iteration in iterations}
        self.fields["points"].widget.attrs.update(min="0", step="1")
        self.fields["feature"].choices = [("", "— no feature —"), *[(f.pk, f.title) for f in features]]
        self.fields["iteration"].choices = [
            ("", "Unscheduled"),
            *[(it.pk, "IP (Innovation & Planning)" if it.is_ip else it.label) for it in iterations],
        ]
        self.fields["feature"].error_messages["invalid_choice"] = (
            "Pick one of this team's features in this PI."
        )
        self.fields["iteration"].error_messages["invalid_choice"] = "Pick an iteration of this PI."

    def clean(self):
        cleaned = super().clean()
        cleaned["feature"] = self.features.get(cleaned.get("feature"))
        cleaned["iteration"] = self.iterations.get(cleaned.get("iteration"))
        return cleaned
