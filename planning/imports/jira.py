"""Read a Jira CSV export ("Export → CSV (all fields)", Cloud and Data Center) into work items."""

import re
from collections.abc import Iterator
from typing import IO

from planning.services.capacity import MAX_POINTS

from .records import CsvTable, Problem, WorkItem
from .values import ValueProblem, parse_datetime, parse_points

KEY = re.compile(r"[A-Z][A-Z0-9_]*-\d+")

# Jira names a field differently by version, edition and custom-field setup: the first found wins.
HEADERS = {
    "key": ("Issue key",),
    "id": ("Issue id",),
    "type": ("Issue Type",),
    "title": ("Summary",),
    "description": ("Description",),
    "status": ("Status",),
    "sprint": ("Sprint", "Custom field (Sprint)"),
    "team": ("Team", "Custom field (Team)", "Custom field (Team Name)"),
    "component": ("Component/s", "Components"),
    "label": ("Labels",),
    "points": (
        "Custom field (Story Points)",
        "Custom field (Story point estimate)",
        "Story Points",
        "Story point estimate",
    ),
    # Data Center's Epic Link holds the epic's key; Cloud's Parent holds the parent's issue id.
    "parent": ("Parent key", "Custom field (Epic Link)", "Epic Link", "Parent", "Parent id"),
    "blocks": ("Outward issue link (Blocks)",),
    "blocked_by": ("Inward issue link (Blocks)",),
}
DATES = ("Created", "Updated", "Resolved", "Due Date")
REQUIRED = ("key", "type", "title")


def read(binary: IO[bytes]) -> tuple[list[WorkItem], list[Problem]]:
    table = CsvTable(binary)
    if not table.read_header():
        return [], table.problems
    headers = {name: table.first_of(*names) for name, names in HEADERS.items()}
    parents = [table.first_of(name) for name in HEADERS["parent"] if table.has(name)]
    # A story without a team is reported on the first of the columns that could have named one.
    team_column = headers["team"] or headers["component"] or headers["label"]
    missing = [HEADERS[name][0] for name in REQUIRED if headers[name] is None]
    if missing:
        table.problems.append(
            Problem(
                1, ", ".join(missing), "This column is missing: is this a Jira 'CSV (all fields)' export?"
            )
        )
        return [], table.problems
    items = list(_items(table, headers, parents, team_column))
    return items, table.problems


def _items(table: CsvTable, headers: dict, parents: list[str], team_column: str | None) -> Iterator[WorkItem]:
    for line, row in table.rows():
        problems = table.problems

        def value(name: str, row=row) -> str:
            return table.value(row, headers[name])

        key = value("key")
        if not KEY.fullmatch(key):
            reason = (
                "The issue key is empty." if not key else f"'{key}' is not a Jira issue key (like ART-12)."
            )
            problems.append(Problem(line, headers["key"], reason))
            continue
        parent_column = next((name for name in parents if table.value(row, name)), None)
        item = WorkItem(
            line=line,
            key=key,
            source_id=value("id"),
            type=value("type"),
            title=value("title"),
            description=table.value(row, headers["description"]),
            status=value("status"),
            # An issue carried over keeps every sprint it was in, oldest first: it is planned in the last.
            sprint=(table.values(row, headers["sprint"]) or [""])[-1],
            teams=[
                *table.values(row, headers["team"]),
                *table.values(row, headers["component"]),
                *table.values(row, headers["label"]),
            ],
            parent=table.value(row, parent_column) if parent_column else "",
            blocks=_keys(table.values(row, headers["blocks"])),
            blocked_by=_keys(table.values(row, headers["blocked_by"])),
            columns={
                **{name: header for name, header in headers.items() if header},
                "team": team_column or "Team",
                "parent": parent_column or (parents[0] if parents else "Parent"),
            },
        )
        try:
            item.points, _ = parse_points(value("points"), maximum=MAX_POINTS)
        except ValueProblem as error:
            problems.append(Problem(line, headers["points"], str(error)))
        for name in DATES:
            if header := table.first_of(name):
                try:
                    parse_datetime(table.value(row, header))
                except ValueProblem as error:
                    problems.append(Problem(line, header, str(error)))
        for link in ("blocks", "blocked_by"):
            for bad in (v for v in table.values(row, headers[link]) if not KEY.fullmatch(v)):
                problems.append(Problem(line, headers[link], f"'{bad}' is not a Jira issue key."))
        yield item


def _keys(values: list[str]) -> list[str]:
    return [value for value in values if KEY.fullmatch(value)]
