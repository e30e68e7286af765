"""Forms for team PI objectives. They parse input for the user; the services enforce the rules."""

from django import forms

from planning.models import Feature
from planning.services.objectives import TEXT_MAX
from trains.forms import ShowsVersionErrors, VersionField


class ObjectiveForm(ShowsVersionErrors, forms.Form):
    """Add or edit an objective. The feature choices come from a list the page already loaded, so
    rendering one form per team costs no query."""

    text = forms.CharField(
        label="Objective",
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": TEXT_MAX}),
        help_text=f"A business outcome, in the words of the business; up to {TEXT_MAX} characters.",
        error_messages={
            "required": "Write the objective: a short business outcome the team aims for.",
            "max_length": f"Keep the objective to {TEXT_MAX} characters.",
        },
    )
    is_committed = forms.TypedChoiceField(
        label="Commitment",
        choices=[("1", "Committed"), ("0", "Uncommitted (planned, not promised)")],
        coerce=lambda value: value == "1",
        initial="1",
        widget=forms.RadioSelect,
    )
    features = forms.MultipleChoiceField(
        label="Linked features",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="This team's features in this PI.",
    )
    version = VersionField(required=False)

    def __init__(self, *args, features: list[Feature], prefix_id: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self._features = {str(feature.pk): feature for feature in features}
        self.fields["features"].choices = [(key, feature.title) for key, feature in self._features.items()]
        # Several forms share a page (one per team, one per edited row): keep their ids unique.
        self.auto_id = f"{prefix_id}id_%s" if prefix_id else "id_%s"

    @classmethod
    def for_objective(cls, objective, *, features: list[Feature], data=None) -> "ObjectiveForm":
        form = cls(
            data,
            features=features,
            prefix_id=f"o{objective.pk}-",
            initial={
                "text": objective.text,
                "is_committed": "1" if objective.is_committed else "0",
                "features": [str(feature.pk) for feature in objective.features.all()],
                "version": objective.version,
            },
        )
        form.fields["version"].required = True  # an edit states the version it was based on
        return form

    def clean_features(self) -> list[Feature]:
        return [self._features[key] for key in self.cleaned_data["features"]]


class BusinessValueForm(ShowsVersionErrors, forms.Form):
    """One click on a score button: the value (empty clears it) and the version the user saw."""

    value = forms.IntegerField(
        required=False, error_messages={"invalid": "Business value is a whole number."}
    )
    version = VersionField()


class MoveObjectiveForm(ShowsVersionErrors, forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])
    version = VersionField()

    @property
    def offset(self) -> int:
        return -1 if self.cleaned_data["direction"] == "up" else 1


class VersionForm(ShowsVersionErrors, forms.Form):
    version = VersionField()
