"""Import delivery events from a CSV file: one file per kind (deployments, incidents or defects), with
the columns named below, whole or nothing.

Each row goes through the same service as the API and the page (planning/services/delivery.py), so a
row with a known `reference` updates that event, and every check is the service's own; a problem is
reported with its line (1 = the header), column and reason, and one problem anywhere leaves the train
as it was. Dates and times are read by explicit formats (ISO 8601 such as 2026-03-12T15:45:00+01:00 or
2026-03-12 15:45, or Jira's 12/Mar/26 3:45 PM); a time without a zone is the train's local time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction

from planning.models import Deployment, Feature
from planning.permissions import can_record_any_delivery
from planning.selectors.delivery import NO_DEPLOYMENT_REFERENCE, deployment_by_reference
from planning.services.delivery import NOT_YOURS, SPECS, notify_pis, record_event
from trains.errors import NotAllowed
from trains.guards import require
from trains.history.door import through
from trains.history.models import Door
from trains.limits import whole_number
from trains.models import Team, Train

from .records import CsvTable, Problem
from .values import ValueProblem, parse_datetime

# A file larger than this is split: one import is one transaction, held while it runs.
MAX_ROWS = 5000
TRUE, FALSE = {"true", "yes", "y", "1"}, {"false", "no", "n", "0"}

# The columns of each kind's file: the event's fields, and how a cell is read (required ones first).
COLUMNS: dict[str, tuple[str, ...]] = {
    "deployment": (
        "service",
        "deployed_at",
        "team",
        "environment",
        "committed_at",
        "merged_at",
        "succeeded",
        "rolled_back",
        "reference",
    ),
    "incident": (
        "service",
        "title",
        "started_at",
        "team",
        "severity",
        "restored_at",
        "deployment_reference",
        "reference",
    ),
    "defect": ("title", "found_at", "team", "feature", "severity", "found_in", "resolved_at", "reference"),
}
REQUIRED = {kind: SPECS[kind].required for kind in COLUMNS}


@dataclass
class DeliveryImport:
    """The outcome: how many events were created and updated, or the problems (then nothing was)."""

    kind: str
    created: int = 0
    updated: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "created": self.created,
            "updated": self.updated,
            "problems": [problem.as_dict() for problem in self.problems],
        }


class _Refused(Exception):
    def __init__(self, result: DeliveryImport):
        self.result = result


def delivery_import(*, train: Train, kind: str, file: IO[bytes], actor) -> DeliveryImport:
    """Read `file` as a CSV of `kind` events and record them all, or none when any row has a problem."""
    require(actor, train.pk, can_record_any_delivery, NOT_YOURS)
    if kind not in COLUMNS:
        raise ValidationError({"kind": "Choose deployments, incidents or defects."})
    try:
        with transaction.atomic(), through(Door.IMPORT):
            result = _import(train, kind, file, actor)
            if result.problems:
                raise _Refused(result)
    except _Refused as refused:
        return refused.result
    return result


def _import(train: Train, kind: str, file: IO[bytes], actor) -> DeliveryImport:
    result = DeliveryImport(kind)
    table = CsvTable(file)
    if not table.read_header():
        result.problems = table.problems
        return result
    expected = COLUMNS[kind]
    unknown = [name for name in table.header if name and name.casefold() not in expected]
    for name in unknown:
        result.problems.append(
            Problem(1, name, f"'{name}' is not a column of a {kind}s file: use {', '.join(expected)}.")
        )
    for name in REQUIRED[kind]:
        if not table.has(name):
            result.problems.append(
                Problem(1, name, f"The file has no '{name}' column, which every {kind} needs.")
            )
    if result.problems:
        return result
    lookups = _Lookups(train)
    moments: list[datetime] = []
    rows = 0
    for line, row in table.rows():
        rows += 1
        if rows > MAX_ROWS:
            result.problems.append(Problem(line, "", f"More than {MAX_ROWS} rows: split the file."))
            break
        values, problems = _read_row(kind, table, row, line, lookups)
        if problems:
            result.problems.extend(problems)
            continue
        try:
            with transaction.atomic():
                recorded = record_event(kind, train=train, actor=actor, values=values, notify=False)
        except ValidationError as error:
            result.problems.extend(_problems_of(error, line, kind))
            continue
        except NotAllowed as error:
            result.problems.append(Problem(line, "team", str(error)))
            continue
        if recorded.created:
            result.created += 1
        else:
            result.updated += 1
        moments.extend(recorded.moments)
    result.problems.extend(table.problems)
    if not result.problems and rows == 0:
        result.problems.append(Problem(2, "", f"The file has a header but no {kind} in it."))
    result.problems.sort(key=lambda problem: (problem.line, problem.column))
    if not result.problems:
        notify_pis(train.pk, moments)
    return result


class _Lookups:
    """The train's teams by name, features by id or tracker key, deployments by reference."""

    def __init__(self, train: Train):
        self.train = train
        self.teams = {team.name.casefold(): team for team in Team.objects.filter(train=train)}
        self._features: dict[str, Feature | None] = {}

    def team(self, text: str) -> Team:
        team = self.teams.get(text.casefold())
        if team is None:
            raise ValueProblem(f"'{text}' is not a team of this train.")
        return team

    def feature(self, text: str) -> Feature:
        if text not in self._features:
            rows = Feature.objects.filter(train=self.train).select_related("team")
            number = whole_number(text, minimum=1)
            match = rows.filter(pk=number).first() if number is not None else None
            self._features[text] = match or rows.filter(external_key=text).first()
        if self._features[text] is None:
            raise ValueProblem(f"'{text}' is neither the id nor the tracker key of a feature of this train.")
        return self._features[text]

    def deployment(self, reference: str) -> Deployment:
        # Read each time: a deployment recorded earlier in the same file is found too.
        found = deployment_by_reference(self.train, reference)
        if found is None:
            raise ValueProblem(NO_DEPLOYMENT_REFERENCE.format(reference))
        return found


def _read_row(kind: str, table: CsvTable, row: list[str], line: int, lookups: _Lookups):
    """A row's cells as the service's values (an empty optional cell is left out), with a problem for
    each cell that cannot be read."""
    values: dict = {}
    problems: list[Problem] = []
    for name in COLUMNS[kind]:
        column = table.first_of(name)
        if column is None:
            continue
        text = table.value(row, column)
        try:
            if not text:
                continue  # not given: a new event takes its default, a known one keeps its value
            if name.endswith("_at"):
                values[name] = parse_datetime(text)
            elif name in ("succeeded", "rolled_back"):
                values[name] = _flag(text)
            elif name == "team":
                values["team"] = lookups.team(text)
            elif name == "feature":
                values["feature"] = lookups.feature(text)
            elif name == "deployment_reference":
                values["deployment"] = lookups.deployment(text)
            elif name in ("severity", "found_in"):
                values[name] = text.lower().replace(" ", "_")
            else:
                values[name] = text
        except ValueProblem as error:
            problems.append(Problem(line, column, str(error)))
    return values, problems


def _flag(text: str) -> bool:
    lowered = text.lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise ValueProblem(f"'{text}' is not true or false (yes/no and 1/0 do too).")


_FIELD_COLUMN = {"deployment": "deployment_reference"}


def _problems_of(error: ValidationError, line: int, kind: str) -> list[Problem]:
    if not hasattr(error, "error_dict"):
        return [Problem(line, "", " ".join(error.messages))]
    return [
        Problem(line, _FIELD_COLUMN.get(name, name) if name != "__all__" else "", message)
        for name, messages in error.message_dict.items()
        for message in messages
    ]
