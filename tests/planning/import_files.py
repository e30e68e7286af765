"""Jira CSV exports as Jira writes them, built by the import's tests."""

import csv
import io

HEADER = [
    "Summary",
    "Issue key",
    "Issue id",
    "Issue Type",
    "Status",
    "Created",
    "Updated",
    "Resolved",
    "Sprint",
    "Sprint",
    "Component/s",
    "Labels",
    "Labels",
    "Custom field (Story Points)",
    "Parent",
    "Custom field (Epic Link)",
    "Outward issue link (Blocks)",
    "Inward issue link (Blocks)",
    "Description",
]


def row(
    key: str,
    summary: str,
    issue_type: str = "Story",
    *,
    issue_id: str = "",
    status: str = "To Do",
    sprints: tuple[str, str] = ("", ""),
    component: str = "",
    labels: tuple[str, str] = ("", ""),
    points: str = "",
    parent_id: str = "",
    epic_link: str = "",
    blocks: str = "",
    blocked_by: str = "",
    description: str = "",
    created: str = "12/Mar/24 3:45 PM",
    updated: str = "2024-03-14T09:10:00.000+0100",
    resolved: str = "",
) -> list[str]:
    number = key.rsplit("-", 1)[-1]
    return [
        summary,
        key,
        issue_id or str(10000 + int(number)),
        issue_type,
        status,
        created,
        updated,
        resolved,
        *sprints,
        component,
        *labels,
        points,
        parent_id,
        epic_link,
        blocks,
        blocked_by,
        description,
    ]


def export(rows: list[list[str]], *, header: list[str] = HEADER, bom: bool = True) -> bytes:
    """The bytes of a Jira Cloud 'Export → CSV (all fields)': BOM, CRLF, every field quoted."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" if bom else "").encode() + text.getvalue().encode()


def small_export(team: str = "Apollo", other: str = "Gemini", sprint: str = "Orbit 7.2") -> list[list[str]]:
    """Two epics on two teams, their stories, and a story of one blocking the other's."""
    return [
        row(
            "ART-1",
            "Checkout in one step",
            "Epic",
            status="In Progress",
            component=team,
            sprints=("", sprint),
        ),
        row("ART-2", 'Partner payments, "phase 1"', "Epic", status="To Do", labels=(other, "")),
        row(
            "ART-3",
            "Card form",
            points="5.0",
            parent_id="10001",
            sprints=("Orbit 7.1", sprint),
            description='Line one,\r\nline "two", with commas\r\nand a third',
            blocks="ART-4",
        ),
        row("ART-4", "Settle with partners", points="3", epic_link="ART-2", sprints=("", "Orbit 7.3")),
        row("ART-5", "Copy review", "Task", points="0.5", epic_link="ART-1"),
    ]
