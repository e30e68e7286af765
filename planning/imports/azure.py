"""Read an Azure DevOps work-item query exported as CSV (Boards → Queries → Export to CSV)."""

from collections.abc import Iterator
from typing import IO

from planning.services.capacity import MAX_POINTS
from trains.limits import whole_number

from .records import CsvTable, Problem, WorkItem
from .values import ValueProblem, parse_points

HEADERS = {
    "key": ("ID",),
    "type": ("Work Item Type",),
    "title": ("Title",),
    "description": ("Description",),
    "status": ("State",),
    "sprint": ("Iteration Path",),
    "team": ("Area Path",),
    "label": ("Tags",),
    # Agile process: Story Points; Scrum: Effort; CMMI: Size.
    "points": ("Story Points", "Effort", "Size"),
    "parent": ("Parent",),
}
REQUIRED = ("key", "type", "title")


def read(binary: IO[bytes]) -> tuple[list[WorkItem], list[Problem]]:
    table = CsvTable(binary)
    if not table.read_header():
        return [], table.problems
    headers = {name: table.first_of(*names) for name, names in HEADERS.items()}
    missing = [HEADERS[name][0] for name in REQUIRED if headers[name] is None]
    if missing:
        table.problems.append(
            Problem(1, ", ".join(missing), "This column is missing: is this an Azure DevOps query export?")
        )
        return [], table.problems
    return list(_items(table, headers)), table.problems


def _last(path: str) -> str:
    """An area or iteration path's last node ('Aurora\\Borealis' → 'Borealis')."""
    return path.replace("/", "\\").rstrip("\\").rsplit("\\", 1)[-1].strip()


def _items(table: CsvTable, headers: dict) -> Iterator[WorkItem]:
    for line, row in table.rows():

        def value(name: str, row=row) -> str:
            return table.value(row, headers[name])

        key = value("key")
        if whole_number(key) is None:  # ASCII digits: "²" passes isdigit()
            reason = "The ID is empty." if not key else f"'{key}' is not a work item ID (a number)."
            table.problems.append(Problem(line, headers["key"], reason))
            continue
        parent = value("parent")
        if parent and whole_number(parent) is None:
            table.problems.append(Problem(line, headers["parent"], f"'{parent}' is not a work item ID."))
            parent = ""
        area = value("team")
        tags = [tag.strip() for tag in value("label").split(";") if tag.strip()]
        item = WorkItem(
            line=line,
            key=key,
            source_id=key,
            type=value("type"),
            title=value("title"),
            description=value("description"),
            status=value("status"),
            # An iteration path that is the project's root schedules nothing.
            sprint=value("sprint") if "\\" in value("sprint").replace("/", "\\") else "",
            # The area path's team node, else the tags (some trains tag the team).
            teams=[_last(area)] if area else tags,
            parent=parent,
            columns={
                **{name: header for name, header in headers.items() if header},
                "team": headers["team"] or headers["label"] or "Area Path",
            },
        )
        try:
            item.points, _ = parse_points(value("points"), maximum=MAX_POINTS)
        except ValueProblem as error:
            table.problems.append(Problem(line, headers["points"], str(error)))
        yield item
