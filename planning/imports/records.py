"""What every reader produces: work items with the place of each value, and problems with theirs."""

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

# A field as large as a long Jira description (the csv module's default limit is 128 KiB).
csv.field_size_limit(8 * 1024 * 1024)


@dataclass(frozen=True)
class Problem:
    """Why part of a file cannot be imported: its line (1 = the header), column and reason."""

    line: int
    column: str
    reason: str

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "reason": self.reason}


@dataclass
class WorkItem:
    """One issue or work item as the tracker exported it, before it is mapped onto the train."""

    line: int
    key: str
    source_id: str
    type: str
    title: str
    description: str = ""
    status: str = ""
    sprint: str = ""
    teams: list[str] = field(default_factory=list)  # the team, component and label values, in that order
    points: int | None = None
    parent: str = ""  # a key, or a source id (Jira Cloud's Parent column holds the parent's issue id)
    blocks: list[str] = field(default_factory=list)
    blocked_by: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field → the header it came from (for problems)

    def column(self, name: str) -> str:
        return self.columns.get(name, name)


class CsvTable:
    """A CSV export read as a stream, row by row: memory stays bounded by one row.

    Accepts what real exports contain: a UTF-8 byte-order mark, CRLF or LF line ends, quoted fields
    spanning lines with commas and doubled quotes, and several columns with the same header (Jira
    writes a multi-value field, e.g. Sprint or Labels, as one column per value): `values(row, name)`
    gives all of them. Lines are those of the file, a row's being the line it starts on.
    """

    def __init__(self, binary: IO[bytes]):
        self.problems: list[Problem] = []
        self._lines = _CountingLines(binary)
        self._reader = csv.reader(self._lines, strict=True)
        self.header: list[str] = []
        self.positions: dict[str, list[int]] = {}

    def read_header(self) -> bool:
        rows = self._rows()
        first = next(rows, None)
        if first is None:
            if not self.problems:
                self.problems.append(
                    Problem(1, "", "The file is empty: export the issues with their header row.")
                )
            return False
        _, header = first
        self.header = [name.strip() for name in header]
        if not any(self.header):
            self.problems.append(
                Problem(1, "", "The file is empty: export the issues with their header row.")
            )
            return False
        for index, name in enumerate(self.header):
            self.positions.setdefault(name.casefold(), []).append(index)
        self._body = rows
        return True

    def has(self, name: str) -> bool:
        return name.casefold() in self.positions

    def first_of(self, *names: str) -> str | None:
        """The first of these headers the file has (trackers and versions name a field differently)."""
        return next((self.header[self.positions[n.casefold()][0]] for n in names if self.has(n)), None)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        width = len(self.header)
        for line, row in self._body:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != width:
                self.problems.append(
                    Problem(
                        line,
                        # The first column left without a value, or the last when the row has too many.
                        self.header[min(len(row), width - 1)],
                        f"The row has {len(row)} fields where the header has {width}: a quote or comma"
                        " is missing or the file was cut.",
                    )
                )
                continue
            yield line, row

    def value(self, row: list[str], name: str | None) -> str:
        for cell in self.values(row, name):
            if cell:
                return cell
        return ""

    def values(self, row: list[str], name: str | None) -> list[str]:
        if name is None:
            return []
        return [row[i].strip() for i in self.positions.get(name.casefold(), ()) if row[i].strip()]

    def _rows(self) -> Iterator[tuple[int, list[str]]]:
        while True:
            start = self._lines.count + 1
            try:
                row = next(self._reader)
            except StopIteration:
                return
            except UnicodeDecodeError:
                self.problems.append(
                    Problem(
                        self._lines.count,
                        "",
                        "The file is not UTF-8 (saved as UTF-16 or Windows-1252?): export it as UTF-8 CSV.",
                    )
                )
                return
            except csv.Error as error:
                self.problems.append(Problem(start, "", f"The CSV cannot be read here: {error}."))
                return
            yield start, row


class _CountingLines:
    """The file's lines decoded one by one as csv wants them (line ends kept, so a quoted field
    keeps its CRLF), counted for the problems' places: a byte that is not UTF-8 is reported on its
    own line, not on the first line of the chunk a decoder happened to read."""

    def __init__(self, binary: IO[bytes]):
        self._binary = binary
        self.count = 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        raw = self._binary.readline()
        if not raw:
            raise StopIteration
        self.count += 1
        if self.count == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        text = raw.decode("utf-8")
        if "\x00" in text:
            raise csv.Error("a NUL byte: the file is binary (a spreadsheet?), not a CSV export")
        return text
