"""Every built-in theme keeps readq readable (issue 13, item 14): each part of a
list row (cursor row included) and of the panes is measured for contrast
against its own background, by the WCAG formula, at 3:1 or more (the WCAG
minimum for large text and interface parts). ANSI themes are left out: their
colours are the terminal's, not known here."""

from __future__ import annotations

import pytest
from rich.color import Color

from readq.store import Store
from tests.tui_support import make_test_app

MINIMUM_CONTRAST = 3.0
PANE_PARTS = ("#status", "#detail-title", "#detail-meta", "#detail-abstract", "#notes-status")


def luminance(color: Color) -> float:
    def channel(value: int) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = color.get_truecolor()
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def contrast(first: Color, second: Color) -> float:
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def low_contrast_parts(app) -> list[str]:
    found = []
    paper_list = app.screen.paper_list
    for y in range(4):  # the cursor row, a 5-star row, a read row, an unread row
        for segment in paper_list.render_line(y):
            style = segment.style
            if not segment.text.strip() or style is None:
                continue
            ratio = contrast(style.color, style.bgcolor)
            if ratio < MINIMUM_CONTRAST:
                found.append(f"row {y} {segment.text.strip()[:12]!r}: {ratio:.2f}")
    for selector in PANE_PARTS:
        style = app.screen.query_one(selector).rich_style
        ratio = contrast(style.color, style.bgcolor)
        if ratio < MINIMUM_CONTRAST:
            found.append(f"{selector}: {ratio:.2f}")
    return found


@pytest.fixture
def varied_db(db):
    with Store.open(db) as store:
        store.rate(1, 4)
        store.rate(2, 5)
        store.set_read([3], True)
    return db


async def test_every_built_in_theme_is_readable(varied_db):
    app = make_test_app(varied_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        themes = sorted(name for name in app.available_themes if not name.startswith("ansi"))
        assert len(themes) >= 15
        problems = {}
        for theme in themes:
            app.theme = theme
            await pilot.pause()
            if found := low_contrast_parts(app):
                problems[theme] = found
        assert not problems
