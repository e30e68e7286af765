"""The leadership summary as a PDF (A4 landscape), drawn with reportlab from the same
`LeadershipSummary` the page shows, so its figures are the page's figures, word for word.

A Unicode TrueType font (DejaVu Sans where the system has it, else the Bitstream Vera reportlab
ships) rather than the PDF's built-in Helvetica, which has no glyph beyond Latin-1: team names,
risk titles and people's names are whatever people typed.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .selectors import LeadershipSummary, day

_FONT_CANDIDATES = [
    (
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ),
    (
        Path(reportlab.__file__).parent / "fonts" / "Vera.ttf",
        Path(reportlab.__file__).parent / "fonts" / "VeraBd.ttf",
    ),
]
INK = colors.HexColor("#1d2433")
MUTED = colors.HexColor("#4a5468")
LINE = colors.HexColor("#dde2ea")
HEAD = colors.HexColor("#eef1f6")


def _fonts() -> tuple[str, str]:
    """Register the summary's font once per process; its regular and bold names."""
    if "Summary" in pdfmetrics.getRegisteredFontNames():
        return "Summary", "Summary-Bold"
    for regular, bold in _FONT_CANDIDATES:
        if regular.exists() and bold.exists():
            pdfmetrics.registerFont(TTFont("Summary", str(regular)))
            pdfmetrics.registerFont(TTFont("Summary-Bold", str(bold)))
            return "Summary", "Summary-Bold"
    return "Helvetica", "Helvetica-Bold"


def _styles(regular: str, bold: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=regular, fontSize=8, leading=10, textColor=INK)
    return {
        "base": base,
        "title": ParagraphStyle("title", parent=base, fontName=bold, fontSize=15, leading=18),
        "sub": ParagraphStyle("sub", parent=base, textColor=MUTED),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName=bold, fontSize=10, leading=13, spaceBefore=5, spaceAfter=2
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9),
        "head": ParagraphStyle("head", parent=base, fontName=bold, fontSize=7.5, leading=9),
        "value": ParagraphStyle("value", parent=base, fontName=bold, fontSize=13, leading=15),
        "small": ParagraphStyle("small", parent=base, fontSize=7, leading=8.5, textColor=MUTED),
        "bullet": ParagraphStyle(
            "bullet", parent=base, fontSize=7.5, leading=9.5, leftIndent=8, bulletIndent=0
        ),
    }


def _p(text, style) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def _table(header: list[str], rows: list[list], styles, widths) -> Table:
    data = [[_p(h, styles["head"]) for h in header]]
    data += [[_p(cell, styles["cell"]) for cell in row] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), HEAD),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, LINE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    return table


def summary_pdf(summary: LeadershipSummary) -> bytes:
    regular, bold = _fonts()
    styles = _styles(regular, bold)
    pi = summary.pi
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=9 * mm,
        bottomMargin=9 * mm,
        title=f"Leadership summary · {summary.train.name} · {pi.name}",
        author="ARTops",
    )
    width = document.width
    story: list = [
        _p(f"Leadership summary · {pi.name}", styles["title"]),
        _p(
            f"{summary.train.name} · {day(pi.start_date)} – {day(pi.end_date)} · {pi.get_state_display()} · "
            f"as of {day(summary.as_of)}",
            styles["sub"],
        ),
        Spacer(1, 3 * mm),
    ]
    cells = [
        [_p(h.label, styles["small"]), _p(h.value, styles["value"]), _p(h.detail, styles["small"])]
        for h in summary.headlines
    ]
    tiles = Table([cells], colWidths=[width / len(cells)] * len(cells), hAlign="LEFT")
    tiles.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.5, LINE),
                ("INNERGRID", (0, 0), (-1, -1), 0.5, LINE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(tiles)

    left, right = width * 0.5 - 3 * mm, width * 0.5 - 3 * mm
    objectives = [
        _p(f"Objectives and business value (predictability band {summary.band})", styles["h2"]),
        _table(
            ["Team", "Committed", "Uncommitted", "Scored", "Planned BV", "Actual BV", "Predictability"],
            [
                [
                    t.name,
                    t.committed,
                    t.uncommitted,
                    t.scored,
                    t.planned,
                    t.actual,
                    f"{t.predictability} ({t.band})",
                ]
                for t in [*summary.teams, summary.art]
            ],
            styles,
            [left * w for w in (0.13, 0.14, 0.17, 0.11, 0.1, 0.1, 0.25)],
        ),
        _p(
            f"Mean of team percentages: {summary.mean_of_teams}. Forecast: {summary.forecast_detail}",
            styles["small"],
        ),
    ]
    risks = [
        _p(
            f"Top risks ({len(summary.risks)} of {summary.open_risks} open, highest exposure first)",
            styles["h2"],
        ),
        _table(
            ["Risk", "Where", "ROAM", "Exposure", "Owner", "Due"],
            [[r.title, r.where, r.roam, r.exposure, r.owner, r.due] for r in summary.risks]
            or [["No open risk.", "", "", "", "", ""]],
            styles,
            [right * w for w in (0.32, 0.12, 0.14, 0.12, 0.17, 0.13)],
        ),
        _p("Escalated impediments", styles["h2"]),
        _table(
            ["Impediment", "Team", "Level", "Severity", "Days open"],
            [[i.title, i.team, i.level, i.severity, i.age_days] for i in summary.impediments]
            or [["None escalated.", "", "", "", ""]],
            styles,
            [right * w for w in (0.42, 0.16, 0.14, 0.14, 0.14)],
        ),
    ]
    columns = Table([[objectives, risks]], colWidths=[width * 0.5, width * 0.5], hAlign="LEFT")
    columns.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story.append(columns)

    releases = [
        _p("Releases and their readiness", styles["h2"]),
        _table(
            ["Release", "Date", "Readiness", "Criteria", "Latest decision"],
            [[r.name, r.date, r.readiness, r.criteria, r.decision] for r in summary.releases]
            or [["No release milestone in this PI.", "", "", "", ""]],
            styles,
            [left * w for w in (0.2, 0.14, 0.13, 0.26, 0.27)],
        ),
    ]
    decisions = [_p("Decisions needed", styles["h2"])]
    decisions += [
        Paragraph(escape(text), styles["bullet"], bulletText="•") for text in summary.decisions
    ] or [_p("Nothing waits for a decision.", styles["cell"])]
    if summary.more_decisions:
        decisions.append(_p(f"… and {summary.more_decisions} more.", styles["small"]))
    lower = Table([[releases, decisions]], colWidths=[width * 0.5, width * 0.5], hAlign="LEFT")
    lower.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story.append(lower)
    document.build(story)
    return buffer.getvalue()
