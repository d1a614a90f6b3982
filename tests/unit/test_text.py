"""Plain text and the HTML Moodle exchanges: both directions agree."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from competencies.text import html_to_text, normalise_text, shorten, text_to_html


def test_normalise_trims_lines_and_collapses_blank_runs():
    assert normalise_text("  a  b \r\n\r\n\r\n c\t ") == "a b\n\nc"
    assert normalise_text(None) == ""


def test_html_line_breaks_in_the_source_are_spaces_and_br_is_a_break():
    fragment = "<p>First line\ncontinues<br>Second</p><p>New &amp; <b>bold</b></p>"
    assert html_to_text(fragment) == ("First line continues\nSecond\n\nNew & bold", [])


def test_scripts_are_dropped_and_text_is_escaped_on_the_way_back():
    assert html_to_text("<p>ok</p><script>alert(1)</script>")[0] == "ok"
    assert text_to_html("a < b & <script>") == "<p>a &lt; b &amp; &lt;script&gt;</p>"


def test_an_attributes_list_is_lifted_out_of_the_description():
    fragment = '<p>Text</p>\n<dl class="proficio-attributes"><dt>e-CF</dt><dd>E.2</dd></dl>'
    assert html_to_text(fragment, "proficio-attributes") == ("Text", [("e-CF", "E.2")])


@example("a\u2003b\u2028c")
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.just("\n")))
def test_text_survives_html_and_back(text):
    normalised = normalise_text(text)
    assert html_to_text(text_to_html(normalised))[0] == normalised


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [("short", 10, "short"), ("one two three four", 12, "one two…"), ("line\nnext", 20, "line")],
)
def test_shorten(text, limit, expected):
    assert shorten(text, limit) == expected
