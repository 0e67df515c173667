"""Report charts read in greyscale: every level's bars carry the level's hatch, as on the pages."""

from __future__ import annotations

import pytest
from matplotlib.patches import Rectangle

from analytics.documents import charts
from analytics.palette import LEVEL_PATTERNS


@pytest.fixture
def drawn(monkeypatch):
    """The figures the chart functions render, kept instead of only their PNG bytes."""
    figures = []
    render = charts._png
    monkeypatch.setattr(charts, "_png", lambda figure: figures.append(figure) or render(figure))
    return figures


def level_bars(figure) -> list[Rectangle]:
    return [patch for patch in figure.axes[0].patches if isinstance(patch, Rectangle)]


def test_level_bars_are_hatched_by_level(drawn):
    png = charts.level_bars_png([3, 4, 5, 6], "Уровни")
    assert png.startswith(b"\x89PNG")
    hatches = [bar.get_hatch() or "" for bar in level_bars(drawn[0])]
    assert hatches == [pattern * charts.HATCH_DENSITY for pattern in LEVEL_PATTERNS]


def test_stacked_bars_are_hatched_by_level_in_every_row(drawn):
    charts.stacked_levels_png(["Знание", "Здоровье"], [[1, 2, 3, 4], [4, 3, 2, 1]], "Направления")
    hatches = [bar.get_hatch() or "" for bar in level_bars(drawn[0])]
    assert hatches == [pattern * charts.HATCH_DENSITY for pattern in LEVEL_PATTERNS for _ in range(2)]


def test_this_rounds_bars_are_hatched_beside_the_grey_previous_ones(drawn):
    charts.level_change_png([1, 2, 3, 4], [4, 3, 2, 1], "Осень 2025", "Весна 2026")
    bars = level_bars(drawn[0])
    assert [bar.get_hatch() or "" for bar in bars[:4]] == [""] * 4
    assert [bar.get_hatch() or "" for bar in bars[4:]] == [p * charts.HATCH_DENSITY for p in LEVEL_PATTERNS]
