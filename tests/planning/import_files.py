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


def with_row(*extra: list[str]) -> bytes:
    """The small export with more rows after it (its first new row is on line 9)."""
    return export([*small_export(), *extra])


def changed(key: str, column: str, value: str) -> bytes:
    """The small export with one value of one issue changed."""
    rows = small_export()
    for values in rows:
        if values[1] == key:
            values[HEADER.index(column)] = value
    return export(rows)


def realistic_export(
    *,
    project: str,
    pi_number: int,
    teams: list[str],
    epics_per_team: int = 3,
    stories_per_epic: int = 4,
    sprints: int = 5,
) -> list[list[str]]:
    """What an ART's Jira project exports for a PI: per team, epics (one an enabler) with stories in
    the team's sprints ('Borealis 27.2', the IP sprint 'Borealis IP 27'), story points with decimals,
    multi-line descriptions, carried-over stories and 'blocks' links from one team to the next."""
    rows: list[list[str]] = []
    number = 0
    statuses = ("To Do", "Analysis", "In Progress", "In Review")
    for t, team in enumerate(teams):
        for e in range(epics_per_team):
            number += 1
            epic_key = f"{project}-{number}"
            rows.append(
                row(
                    epic_key,
                    f"{team}: capability {e + 1} for PI {pi_number}",
                    "Enabler" if e == epics_per_team - 1 else "Epic",
                    status=statuses[(t + e) % len(statuses)],
                    component=team,
                    description=f'Why: customers asked, "{team}" owns it.\nAcceptance:\n- works, end to end',
                )
            )
            for s in range(stories_per_epic):
                number += 1
                sprint = f"{team} {pi_number}.{s % sprints + 1}"
                carried = f"{team} {pi_number}.{s % sprints}" if s % sprints else ""
                blocks = ""
                if s == 0 and t + 1 < len(teams):
                    # The next team's first story of the same epic number waits for this one.
                    blocks = f"{project}-{number + epics_per_team * (stories_per_epic + 1)}"
                rows.append(
                    row(
                        f"{project}-{number}",
                        f"{team} story {e + 1}.{s + 1}",
                        ("Story", "Task", "Bug", "Story")[s % 4],
                        status=("To Do", "In Progress", "Done")[s % 3],
                        sprints=(carried, sprint),
                        labels=("pi-" + str(pi_number), ""),
                        points=("1", "2.0", "3", "5.0", "8", "0.5")[s % 6],
                        epic_link=epic_key,
                        blocks=blocks,
                        created=f"{1 + s % 28}/Jan/26 {1 + s % 12}:{s % 60:02d} {'AM' if s % 2 else 'PM'}",
                    )
                )
    return rows
