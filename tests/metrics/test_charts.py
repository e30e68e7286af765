"""metrics.charts: accessible, self-contained SVG with a table of the same numbers."""

import re
from datetime import date

from metrics import charts
from metrics.charts import Line, Point, Series


def count(svg: str, tag: str) -> int:
    return len(re.findall(rf"<{tag}\b", svg))


def test_a_line_chart_has_a_title_a_description_axis_labels_and_a_table():
    chart = charts.line_chart(
        id="c1",
        title="Predictability per PI",
        description="ART predictability per PI.",
        x_labels=["PI 1", "PI 2", "PI 3"],
        series=[Series("ART", [95.0, None, 102.5])],
        x_label="Program Increment",
        y_label="Predictability (%)",
        unit="%",
        band=(80.0, 100.0),
        band_label="healthy 80–100 %",
    )
    svg = str(chart.svg)
    assert 'role="img"' in svg and 'aria-labelledby="c1-title c1-desc"' in svg
    assert '<title id="c1-title">Predictability per PI</title>' in svg
    assert '<desc id="c1-desc">ART predictability per PI.</desc>' in svg
    assert "Program Increment" in svg and "Predictability (%)" in svg
    assert 'class="band"' in svg and "healthy 80–100 %" in svg
    # A missing value breaks the line: two lone points, no polyline across the gap.
    assert count(svg, "polyline") == 0 and count(svg, "circle") == 2
    assert "ART, PI 3: 102.5%" in svg  # the tooltip of each mark
    assert chart.table.columns == ["Program Increment", "ART"]
    assert chart.table.rows == [["PI 1", "95.0%"], ["PI 2", "—"], ["PI 3", "102.5%"]]
    assert not chart.empty


def test_every_text_is_escaped():
    chart = charts.bar_chart(
        id="c2",
        title="<script>alert(1)</script>",
        description="a & b",
        categories=["<b>Team</b>"],
        series=[Series("Load", [3])],
        x_label="Team",
        y_label="Points",
    )
    svg = str(chart.svg)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "<b>" not in svg and "a &amp; b" in svg


def test_a_chart_without_values_says_so_and_has_an_empty_table():
    chart = charts.line_chart(
        id="c3",
        title="Burn-up",
        description="Nothing yet.",
        x_labels=["1 Jan"],
        series=[Series("Done", [None])],
        x_label="Day",
        y_label="Features",
        empty_message="The PI has not started yet",
    )
    assert chart.empty
    assert "The PI has not started yet" in str(chart.svg)
    assert chart.table.rows == [] and chart.table.columns == ["Day", "Done"]


def test_bars_scale_to_the_band_and_name_band_and_lines_in_the_legend():
    chart = charts.bar_chart(
        id="c4",
        title="Grouped",
        description="d",
        categories=["A", "B"],
        series=[Series("x", [30, 10]), Series("y", [40, 5], style=1)],
        x_label="Team",
        y_label="Points",
        band=(80, 100),
        band_label="healthy",
        lines=[Line("ART", 90.0, style=7)],
    )
    svg = str(chart.svg)
    assert count(svg, "rect") == 1 + 4  # the band and four bars
    assert ">80<" in svg and ">100<" in svg  # ticks reach the band's top, above every bar
    assert ("healthy", "band") in chart.legend and ("ART: 90.0", "s7 ref") in chart.legend
    assert 'class="ref-label' not in svg  # bars would hide it: the legend names the line
    assert not chart.wide


def test_scatter_draws_a_mark_per_point_and_its_percentile_lines():
    chart = charts.scatter_chart(
        id="c5",
        title="Flow time",
        description="d",
        points=[Point(date(2026, 1, 5), 4.0, "A"), Point(date(2026, 1, 20), 10.0, "B", style=1)],
        x_label="Done on",
        y_label="Flow time (days)",
        unit="d",
        lines=[Line("Median", 7.0, style=7), Line("85th percentile", 9.1, style=5)],
    )
    svg = str(chart.svg)
    assert count(svg, "circle") == 2
    assert "Median: 7.0 d" in svg and "85th percentile: 9.1 d" in svg
    assert chart.table.rows[0] == ["A", "2026-01-05", "4.0 d"]
    assert ["Median", "", "7.0 d"] in chart.table.rows


def test_stacked_areas_draw_only_bands_that_have_items():
    chart = charts.stacked_area_chart(
        id="c6",
        title="CFD",
        description="d",
        x_labels=["1", "2", "3"],
        series=[Series("Done", [0, 1, 2]), Series("Funnel", [0, 0, 0]), Series("Backlog", [3, 2, 1])],
        x_label="Day",
        y_label="Features",
        wide=True,
    )
    assert count(str(chart.svg), "polygon") == 2
    assert chart.table.rows[1] == ["2", "1", "0", "2"]
    assert chart.wide and 'viewBox="0 0 1140 300"' in str(chart.svg)


def test_nice_ticks_and_thinned_day_labels():
    assert charts.nice_ticks(0, 37) == [0, 10, 20, 30, 40]
    assert charts.nice_ticks(0, 1.2) == [0, 0.25, 0.5, 0.75, 1.0, 1.25]
    frame = charts._Frame(charts.NARROW)
    shown = charts._label_indices(frame, 70)
    assert shown[0] == 0 and shown[-1] == 69
    assert len(shown) <= frame.max_x_labels + 1
    assert all(b - a >= 2 for a, b in zip(shown, shown[1:], strict=False))


def test_fmt_keeps_a_fixed_number_of_decimals_and_shows_no_value_as_a_dash():
    assert charts.fmt(4.0, "", 1) == "4.0"
    assert charts.fmt(99.25, "%", 0) == "99%"
    assert charts.fmt(19.333, "d") == "19.3 d"
    assert charts.fmt(None, "%") == "—"


def test_counts_get_whole_number_ticks():
    assert charts.nice_ticks(0, 1, whole=True) == [0, 1]
    assert charts.nice_ticks(0, 3, whole=True) == [0, 1, 2, 3]
    chart = charts.bar_chart(
        id="c7",
        title="Velocity",
        description="d",
        categories=["PI 1"],
        series=[Series("Done", [0])],
        x_label="PI",
        y_label="Features",
        digits=0,
    )
    assert ">0.2<" not in str(chart.svg)
