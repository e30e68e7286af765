"""Files an RTE hands to others: a table (or several) as a spreadsheet or as CSV.

Every export in the product is a list of `Sheet`s built by its app's selectors (the same figures
the page shows); this module only writes them out:

- XLSX: one worksheet per sheet, the header row frozen, numbers as numbers and dates as dates (so
  a spreadsheet sorts, sums and filters them), written in openpyxl's write-only mode: rows stream
  out rather than building a cell object per value in memory.
- CSV: UTF-8 with a byte-order mark (without it Excel reads UTF-8 as the local code page) and CRLF
  line ends (RFC 4180). One CSV per sheet: `?part=<sheet>` names one; a file of several sheets
  without a part is a zip of one CSV each.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
ZIP_TYPE = "application/zip"
# Excel's limit on a worksheet's name, and the characters it refuses in one.
SHEET_TITLE_MAX = 31
SHEET_TITLE_REFUSED = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


@dataclass
class Sheet:
    """One part of an export: a name (the worksheet's, and `?part=` for CSV), a header, rows."""

    name: str
    headers: Sequence[str]
    rows: Iterable[Sequence] = field(default_factory=list)
    number_formats: dict[int, str] = field(default_factory=dict)  # column index → Excel format

    @property
    def part(self) -> str:
        return slugify(self.name)


def _spreadsheet_value(value):
    """A value as openpyxl stores it: aware datetimes in the train's local time, without a zone
    (a spreadsheet has none), everything else as it is."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, bool) or value is None or isinstance(value, int | float | Decimal | date):
        return value
    return str(value)


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(sheet.name.translate(SHEET_TITLE_REFUSED)[:SHEET_TITLE_MAX])
        worksheet.freeze_panes = "A2"
        header = []
        for title in sheet.headers:
            cell = WriteOnlyCell(worksheet, value=title)
            cell.font = bold
            header.append(cell)
        worksheet.append(header)
        for row in sheet.rows:
            cells = []
            for index, value in enumerate(row):
                value = _spreadsheet_value(value)
                if index in sheet.number_formats or isinstance(value, date):
                    cell = WriteOnlyCell(worksheet, value=value)
                    if index in sheet.number_formats:
                        cell.number_format = sheet.number_formats[index]
                    elif isinstance(value, datetime):
                        cell.number_format = "yyyy-mm-dd hh:mm"
                    else:
                        cell.number_format = "yyyy-mm-dd"
                    cells.append(cell)
                else:
                    cells.append(value)
            worksheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(sheet: Sheet) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(sheet.headers)
    for row in sheet.rows:
        writer.writerow([_csv_value(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def zip_bytes(sheets: Sequence[Sheet], basename: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for sheet in sheets:
            archive.writestr(f"{basename}-{sheet.part}.csv", csv_bytes(sheet))
    return buffer.getvalue()


def filename(*words: str) -> str:
    """A file name from its words ("aurora", "PI 26", "pi-plan" → aurora-pi-26-pi-plan)."""
    return "-".join(slugify(word) for word in words if word)


def _attachment(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Content-Length"] = str(len(content))
    # The export is the reader's own view of a train: no shared cache keeps it.
    response["Cache-Control"] = "private, no-store"
    return response


def export_response(
    fmt: str, basename: str, sheets: Sequence[Sheet], part: str | None = None
) -> HttpResponse:
    """The sheets as `fmt` ("xlsx" or "csv"); for CSV, `part` picks one sheet (404 when it names
    none), else a single sheet is its CSV and several are a zip of CSVs."""
    if fmt == "xlsx":
        return _attachment(xlsx_bytes(sheets), XLSX_TYPE, f"{basename}.xlsx")
    if fmt != "csv":
        raise Http404("Exports are csv or xlsx.")
    if part:
        chosen = next((sheet for sheet in sheets if sheet.part == part), None)
        if chosen is None:
            raise Http404(f"This export has no part “{part}”.")
        return _attachment(csv_bytes(chosen), CSV_TYPE, f"{basename}-{chosen.part}.csv")
    if len(sheets) == 1:
        return _attachment(csv_bytes(sheets[0]), CSV_TYPE, f"{basename}.csv")
    return _attachment(zip_bytes(sheets, basename), ZIP_TYPE, f"{basename}-csv.zip")
