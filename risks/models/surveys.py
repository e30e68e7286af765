"""Surveys: ART event effectiveness and the team-health pulse (risks/services/surveys.py)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from planning.models import ProgramIncrement
from trains.models import Team, Train

from . import SystemDemo

# --- surveys: ART event effectiveness and the team-health pulse ---------------------------------------
#
# ANONYMITY is the rule these models are built around: the product stores THAT a person answered (a
# SurveyParticipation: survey + user, once each) but never WHICH answer is theirs. A SurveyResponse and
# its SurveyScores hold no user and no time, and have random UUID keys (no sequence to line up with the
# participations), and nothing orders them by insertion; the service writes the participation and the
# response in one transaction. Results are shown only when the survey has closed and at least
# SURVEY_MIN_ANSWERS people answered (risks/selectors/surveys.py).


class SurveyKind(models.TextChoices):
    PI_PLANNING = "pi_planning", "PI Planning"
    SYSTEM_DEMO = "system_demo", "System demo"
    INSPECT_ADAPT = "inspect_adapt", "Inspect & Adapt"
    TEAM_HEALTH = "team_health", "Team health pulse"


# The ART events a survey measures the effectiveness of (the KPI "ART event effectiveness").
EVENT_SURVEY_KINDS = (SurveyKind.PI_PLANNING, SurveyKind.SYSTEM_DEMO, SurveyKind.INSPECT_ADAPT)


class Survey(models.Model):
    """A short anonymous survey the RTE opens: after an ART event (PI Planning, a system demo, I&A),
    answered by the train's participants, or a team's quarterly health pulse, answered by the team.

    Open until the RTE closes it (`closed_at`) or its last day (`closes_on`) has passed.
    """

    Kind = SurveyKind

    train = models.ForeignKey(Train, on_delete=models.CASCADE, related_name="surveys")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    pi = models.ForeignKey(ProgramIncrement, on_delete=models.CASCADE, related_name="surveys")
    system_demo = models.ForeignKey(
        SystemDemo,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="surveys",
        help_text="The demo a system-demo survey is about.",
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="surveys",
        help_text="The team a health pulse asks.",
    )
    title = models.CharField(max_length=200)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_at = models.DateTimeField()
    closes_on = models.DateField(help_text="The last day answers are taken.")
    closed_at = models.DateTimeField(null=True, blank=True, help_text="Closed early by the RTE.")

    class Meta:
        ordering = ["train_id", "-opened_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=SurveyKind.values), name="survey_kind_valid"),
            models.CheckConstraint(condition=~Q(title=""), name="survey_has_title"),
            # A system-demo survey names its demo, and only it does.
            models.CheckConstraint(
                condition=(Q(kind="system_demo") & Q(system_demo__isnull=False))
                | (~Q(kind="system_demo") & Q(system_demo__isnull=True)),
                name="survey_demo_iff_demo_kind",
            ),
            # A health pulse asks one team; an event survey asks the whole train.
            models.CheckConstraint(
                condition=(Q(kind="team_health") & Q(team__isnull=False))
                | (~Q(kind="team_health") & Q(team__isnull=True)),
                name="survey_team_iff_pulse",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=F("opened_at")),
                name="survey_closed_after_opened",
            ),
            # One survey per event: PI Planning and I&A once per PI, each demo once, each team's
            # pulse once per PI (a PI is the train's quarter).
            models.UniqueConstraint(
                fields=["pi", "kind"],
                condition=Q(kind__in=["pi_planning", "inspect_adapt"]),
                name="survey_once_per_pi_event",
            ),
            models.UniqueConstraint(
                fields=["system_demo"], condition=Q(system_demo__isnull=False), name="survey_once_per_demo"
            ),
            models.UniqueConstraint(
                fields=["team", "pi"],
                condition=Q(kind="team_health"),
                name="survey_pulse_once_per_team_and_pi",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def is_open_on(self, day) -> bool:
        return self.closed_at is None and day <= self.closes_on

    @property
    def is_open(self) -> bool:
        return self.is_open_on(timezone.localdate())

    @property
    def is_event(self) -> bool:
        return self.kind in EVENT_SURVEY_KINDS


class SurveyQuestion(models.Model):
    """One question of a survey, answered on a 1–5 scale; in the order it was written."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=300)

    class Meta:
        ordering = ["survey_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "position"], name="survey_question_position_unique"),
            models.CheckConstraint(condition=~Q(text=""), name="survey_question_has_text"),
        ]

    def __str__(self) -> str:
        return self.text


class SurveyParticipation(models.Model):
    """That a person answered a survey (once each), and nothing of what they answered: no score, no
    comment, no time, no link to their SurveyResponse."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="participations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="survey_participations"
    )

    class Meta:
        ordering = ["survey_id", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "user"], name="survey_answered_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.user} answered {self.survey}"


class SurveyResponse(models.Model):
    """One anonymous answer to a survey: its scores and an optional comment.

    Deliberately without a user, without a time and with a random UUID key, so it cannot be joined
    to the SurveyParticipation written in the same transaction, by field, by sequence or by clock.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    comment = models.TextField(blank=True, max_length=2000)

    class Meta:
        # By the random key: never in the order the answers came in.
        ordering = ["survey_id", "id"]

    def __str__(self) -> str:
        return f"An answer to {self.survey}"


class SurveyScore(models.Model):
    """One 1–5 score of an anonymous response, for one question."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="scores")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.CASCADE, related_name="scores")
    score = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["response_id", "question_id"]
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="survey_score_1_to_5"),
            models.UniqueConstraint(fields=["response", "question"], name="survey_score_once_per_question"),
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.score}"
