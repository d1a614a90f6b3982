"""The SVG chart module: valid, accessible, readable in greyscale, and safe to inline."""

import xml.etree.ElementTree as ET

import pytest

from plans.charts import STYLES, Series, radar_chart_svg, sparkline_svg

NS = {"svg": "http://www.w3.org/2000/svg"}
AXES = ["Planning", "Leadership", "Communication", "Server systems"]


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_radar_chart_is_well_formed_with_title_description_and_legend():
    svg = radar_chart_svg(
        AXES,
        [
            Series("Target", [3, 3, 2, None], "target"),
            Series("Self", [2, 4, 0, 1], "self"),
            Series("Evaluated", [1, 3, 2, 1], "evaluated"),
        ],
        title="Profile of Alex",
    )
    root = _parse(svg)
    assert root.get("role") == "img"
    assert root.find("svg:title", NS).text == "Profile of Alex"
    desc = root.find("svg:desc", NS).text
    assert "Self: Planning 2, Leadership 4" in desc and "Server systems no value" in desc
    labelled = root.get("aria-labelledby").split()
    assert {root.find("svg:title", NS).get("id"), root.find("svg:desc", NS).get("id")} == set(
        labelled
    )
    legend_text = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text") if t.text]
    assert {"Target", "Self", "Evaluated"} <= set(legend_text)


def test_series_differ_by_dash_and_marker_not_only_by_colour():
    dashes = {style.dash for style in STYLES.values()}
    markers = {style.marker for style in STYLES.values()}
    assert len(dashes) == len(STYLES) and len(markers) == len(STYLES)


def test_a_missing_value_breaks_the_line_instead_of_dropping_to_zero():
    svg = radar_chart_svg(AXES, [Series("Target", [3, 3, 2, None], "target")])
    path = next(p for p in _parse(svg).iter("{http://www.w3.org/2000/svg}path") if p.get("stroke"))
    # Four axes, one missing: only the two segments between present neighbours are drawn.
    assert path.get("d").count("M") == 2
    assert "series-target" in svg and "<polygon" in svg


def test_every_label_is_escaped():
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    svg = radar_chart_svg(
        [hostile, "B", "C"], [Series(hostile, [1, 2, 3])], title=hostile, id_prefix='x"y'
    )
    assert "<script>" not in svg and "<img" not in svg and 'x"y' not in svg
    root = _parse(svg)  # still well-formed XML
    assert root.find("svg:title", NS).text == hostile


def test_series_length_must_match_the_axes():
    with pytest.raises(ValueError):
        radar_chart_svg(AXES, [Series("Self", [1, 2])])


def test_sparkline_draws_a_point_per_rated_round_and_skips_gaps():
    root = _parse(sparkline_svg([1, None, 3, 4], title="Planning: Round 1 1, Round 3 3"))
    circles = list(root.iter("{http://www.w3.org/2000/svg}circle"))
    assert len(circles) == 3
    assert root.find("svg:title", NS).text.startswith("Planning")
    assert _parse(sparkline_svg([], title="none")).get("role") == "img"
