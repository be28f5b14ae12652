"""Line wrapping: every line fits its column and no word is lost."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from hypothesis import given, settings
from hypothesis import strategies as st

from infrastructure.documents.canvas import Canvas

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzÅØŁłóżé€0123456789.,-/", min_size=1, max_size=40)


@contextmanager
def canvas() -> Iterator[Canvas]:
    drawing = Canvas()
    try:
        drawing.add_page()
        drawing.style(8)
        yield drawing
    finally:
        drawing.close()


@settings(max_examples=60, deadline=None)
@given(words=st.lists(WORD, min_size=1, max_size=30), width=st.floats(min_value=12, max_value=90))
def test_wrapped_lines_fit_and_keep_every_character(words: list[str], width: float) -> None:
    text = " ".join(words)
    with canvas() as drawing:
        lines = drawing.wrap(text, width)

        room = width - 2 * drawing.c_margin
        fits = [drawing.get_string_width(line) <= room + 1e-6 for line in lines if len(line) > 1]
    assert all(fits)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_short_text_stays_on_one_line_and_newlines_break() -> None:
    with canvas() as drawing:
        assert drawing.wrap("Advieswerkzaamheden", 80) == ["Advieswerkzaamheden"]
        assert drawing.wrap("eerste regel\ntweede regel", 80) == ["eerste regel", "tweede regel"]


def test_a_word_too_long_for_the_column_is_cut() -> None:
    with canvas() as drawing:
        lines = drawing.wrap("Kort " + "Samengesteld" * 6 + " daarna", 40)

    assert lines[0] == "Kort"
    assert lines[-1].endswith("daarna")
    assert len(lines) >= 3
