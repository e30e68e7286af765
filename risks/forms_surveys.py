"""Forms for surveys: opening one (the RTE) and answering one (1–5 per question, a comment).

They parse and present; risks/services/surveys.py decides, and its ValidationError is put back on
the field it names (`trains.forms.apply_service_errors`)."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.utils import timezone

from trains.forms import DayField

from .models import Survey, SurveyQuestion
from .services.surveys import COMMENT_LENGTH, DEFAULT_OPEN_DAYS, DEFAULT_QUESTIONS, MAX_QUESTIONS

# Every question is a statement: how far do you agree?
SCORE_CHOICES = [
    (1, "1 – strongly disagree"),
    (2, "2 – disagree"),
    (3, "3 – neither"),
    (4, "4 – agree"),
    (5, "5 – strongly agree"),
]
CHOOSE_A_SCORE = "Choose a score from 1 to 5."


class DemoChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.iteration.label} ({obj.held_on:%d %b %Y})" if obj.held_on else obj.iteration.label


class SurveyOpenForm(forms.Form):
    """Open a survey of one kind: which event (a PI, a demo, a team), its title, its last day and
    its questions, one per line, starting from the kind's default set."""

    kind = forms.ChoiceField(choices=Survey.Kind.choices, widget=forms.HiddenInput)
    pi = forms.ModelChoiceField(queryset=None, label="PI", empty_label=None)
    system_demo = DemoChoiceField(queryset=None, label="System demo", empty_label=None)
    team = forms.ModelChoiceField(
        queryset=None, required=False, label="Team", empty_label="Every team (one pulse each)"
    )
    title = forms.CharField(
        max_length=200,
        required=False,
        help_text="Leave empty to name it after the event (pulses for every team are named after each team).",
    )
    closes_on = DayField(label="Last day to answer")
    questions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=f"One question per line (at most {MAX_QUESTIONS}), each a statement answered from 1 (strongly disagree) to 5 (strongly agree).",
    )

    def __init__(self, *args, kind: str, pis, demos, teams, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "kind": kind,
                "questions": "\n".join(DEFAULT_QUESTIONS[kind]),
                "closes_on": timezone.localdate() + timedelta(days=DEFAULT_OPEN_DAYS),
            },
        )
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["pi"].queryset = pis
        self.fields["system_demo"].queryset = demos
        self.fields["team"].queryset = teams
        # Each kind asks only what it needs: a demo names its PI, only a pulse names a team.
        if kind == Survey.Kind.SYSTEM_DEMO:
            del self.fields["pi"]
        else:
            del self.fields["system_demo"]
        if kind != Survey.Kind.TEAM_HEALTH:
            del self.fields["team"]

    def clean_kind(self):
        if self.cleaned_data["kind"] != self.kind:
            raise forms.ValidationError("The kind of survey changed: open the form again.")
        return self.kind

    def clean_questions(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["questions"].splitlines() if line.strip()]


class SurveyAnswerForm(forms.Form):
    """A score from 1 to 5 for every question (`q<id>`) and an optional comment."""

    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=COMMENT_LENGTH,
        label="Comment (optional)",
        help_text="Shown to the train as it is, without your name, once at least 3 people answered. Leave out what would name you.",
    )

    def __init__(self, *args, questions: list[SurveyQuestion], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[f"q{question.pk}"] = forms.TypedChoiceField(
                label=question.text,
                choices=SCORE_CHOICES,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": CHOOSE_A_SCORE, "invalid_choice": CHOOSE_A_SCORE},
            )
        self.order_fields([*(f"q{q.pk}" for q in questions), "comment"])

    def question_fields(self):
        return [self[f"q{question.pk}"] for question in self.questions]

    def scores(self) -> dict[int, int]:
        return {question.pk: self.cleaned_data[f"q{question.pk}"] for question in self.questions}
