"""What a train backup holds: one declared, ordered list of tables, and what it leaves out and why.

Each table is a model (by its label, `app_label.model`, many-to-many link tables included: they are
rows like any other, with ids of their own) and the filter path from it to its train. The order is
the order a restore writes them in: every table comes after the tables it points at
(tests/backup/test_registry.py checks it, and that every model of trains, planning, risks, metrics and
artops is either here or in NOT_IN_A_BACKUP, so a new model cannot be forgotten).

Which fields point at people is not declared by hand: every foreign key to the user model is written
as the person's username (and the person once in the file's `users`), every foreign key to a content
type as `app_label.model`; everything else as Django's own field serialisation.

A change to this list (a table added, removed or reordered in meaning) is a new format version
(`VERSION` in artops/backup/format.py): a restore refuses a file of any other version.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.apps import apps
from django.conf import settings
from django.db import models


@dataclass(frozen=True)
class Table:
    label: str  # "app_label.model", e.g. "planning.feature"
    path: str  # the filter from a row to its train, e.g. "pi__train"; "" for the train itself
    # Fields written as a fixed empty value, with the reason: what they say is derived from rows that
    # are not in a backup.
    emptied: tuple[tuple[str, str], ...] = ()

    @cached_property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.label)

    def rows(self, train) -> models.QuerySet:
        manager = self.model._base_manager
        rows = manager.filter(pk=train.pk) if not self.path else manager.filter(**{self.path: train})
        return rows.order_by("pk")

    @cached_property
    def fields(self) -> list[models.Field]:
        return list(self.model._meta.concrete_fields)

    @property
    def emptied_fields(self) -> dict[str, str]:
        return dict(self.emptied)


def is_user_field(field: models.Field) -> bool:
    return field.is_relation and field.related_model._meta.label == settings.AUTH_USER_MODEL


def is_content_type_field(field: models.Field) -> bool:
    return field.is_relation and field.related_model._meta.label_lower == "contenttypes.contenttype"


TABLES: list[Table] = [
    # --- the train, its teams and people --------------------------------------------------------------
    Table(
        "trains.train",
        "",
        emptied=(
            (
                "webhook_events",
                "the events of the train's webhooks, which are not in a backup (they hold secrets)",
            ),
        ),
    ),
    Table("trains.team", "train"),
    Table("trains.membership", "train"),
    # --- PIs and what is planned in them ---------------------------------------------------------------
    Table("planning.programincrement", "train"),
    Table("planning.programincrement_business_owners", "programincrement__train"),
    Table("planning.iteration", "pi__train"),
    Table("planning.feature", "train"),
    Table("planning.featurestatechange", "feature__train"),
    Table("planning.featureblockedperiod", "feature__train"),
    Table("planning.story", "team__train"),
    Table("planning.milestone", "pi__train"),
    Table("planning.dependency", "pi__train"),
    Table("planning.piobjective", "pi__train"),
    Table("planning.piobjective_features", "piobjective__pi__train"),
    Table("planning.voteround", "pi__train"),
    Table("planning.confidencevote", "round__pi__train"),
    Table("planning.planbaseline", "pi__train"),
    Table("planning.pireopening", "pi__train"),
    Table("planning.teamcapacity", "team__train"),
    # Delivery events (DORA and quality figures are computed from them).
    Table("planning.deployment", "train"),
    Table("planning.incident", "train"),
    Table("planning.defect", "train"),
    # --- risks, impediments, ART Syncs, demos, Inspect & Adapt ----------------------------------------
    Table("risks.risk", "train"),
    Table("risks.risk_features", "risk__train"),
    Table("risks.risk_dependencies", "risk__train"),
    Table("risks.risk_objectives", "risk__train"),
    Table("risks.riskroamchange", "risk__train"),
    Table("risks.impediment", "train"),
    Table("risks.impediment_blocked_features", "impediment__train"),
    Table("risks.impedimentescalation", "impediment__train"),
    Table("risks.problem", "pi__train"),
    Table("risks.problemvote", "problem__pi__train"),
    Table("risks.improvementitem", "train"),
    Table("risks.artsync", "train"),
    Table("risks.actionitem", "train"),
    Table("risks.systemdemo", "iteration__pi__train"),
    Table("risks.demoitem", "demo__iteration__pi__train"),
    Table("risks.demofollowup", "demo__iteration__pi__train"),
    # Surveys stay anonymous in the file as in the database: a participation names the person who
    # answered, a response and its scores name nobody (and have random UUID ids, written in their order).
    Table("risks.survey", "train"),
    Table("risks.surveyquestion", "survey__train"),
    Table("risks.surveyparticipation", "survey__train"),
    Table("risks.surveyresponse", "survey__train"),
    Table("risks.surveyscore", "response__survey__train"),
    # --- release readiness: a release milestone's go/no-go checklist ----------------------------------
    Table("metrics.releasechecklist", "milestone__pi__train"),
    Table("metrics.releasechecklist_teams", "releasechecklist__milestone__pi__train"),
    Table("metrics.releasecriterion", "checklist__milestone__pi__train"),
    Table("metrics.releasedecision", "checklist__milestone__pi__train"),
    # --- the conversation and the history (they point at any of the above) ----------------------------
    Table("trains.comment", "train"),
    Table("trains.comment_mentioned", "comment__train"),
    Table("trains.inboxitem", "train"),
    Table("trains.change", "train"),
]

# Every other model of the apps, and why a backup leaves it out. Said once, here; the README repeats
# it for the RTE.
NOT_IN_A_BACKUP: dict[str, str] = {
    "trains.apitoken": "a person's credential (a hash of their API token), not the train's",
    "trains.webhook": "holds the secret that signs deliveries, and a target URL often carries the "
    "receiver's credential: the RTE subscribes the restored train again",
    "trains.webhookdelivery": "the delivery log of those webhooks",
    "risks.calendarfeed": "a secret address (the hash of its token): a copied backup must not open the "
    "train's calendar; the RTE makes a new address on the restored train",
    "artops.signonidentity": "ties a person's account to the company's identity provider: a credential "
    "of the person, made again at their first single sign-on",
    "planning.boardchange": "what open boards fetch between two polls; a restored board starts from "
    "its PI's stored board version, which the backup keeps",
    "planning.importrun": "an uploaded tracker export and its dry run: a working copy of another "
    "system's file. What it imported is in the features and stories (with their Jira or Azure keys) "
    "and in the history",
    "metrics.snapshot": "derived: the figures are recomputed from the restored plan and its history "
    "(a restore marks every PI's figures stale, so the workers recompute them)",
    "metrics.pirecompute": "the bookkeeping of those recomputes",
}


BY_LABEL: dict[str, Table] = {entry.label: entry for entry in TABLES}
