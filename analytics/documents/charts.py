"""Charts for Word documents: matplotlib figures rendered by Agg into PNG bytes in memory.

The figures are built with matplotlib's object API on an Agg canvas, never through pyplot, so
no global figure state or GUI backend is touched and several threads of the app can render at
once. Level colours and patterns are the app's (`analytics.palette`), so a chart in a report
reads the same as on screen, and in greyscale too: every level's bar carries its hatch.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from analytics.palette import LEVEL_COLORS, LEVEL_PATTERNS, LEVEL_TEXT_COLORS
from analytics.rubric import LEVELS

HATCH_DENSITY = 3
"""matplotlib draws a hatch denser the more times its character repeats."""
DPI = 150
MIN_LABELLED_SHARE = 0.06


def level_bars_png(counts: Sequence[int], title: str) -> bytes:
    """Schools per level as four bars, each labelled with its count and share."""
    figure = Figure(figsize=(6.4, 3.2), dpi=DPI)
    axes = figure.add_subplot()
    bars = axes.bar(list(LEVELS), counts, color=LEVEL_COLORS, edgecolor="#333333", linewidth=0.5)
    _hatch(bars, range(len(LEVELS)))
    total = sum(counts) or 1
    axes.bar_label(bars, labels=[f"{c} ({_percent(c / total)})" for c in counts], fontsize=9, padding=2)
    axes.set_ylabel("Школ")
    axes.set_title(title, fontsize=11)
    axes.set_ylim(0, max(max(counts, default=0), 1) * 1.2)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def stacked_levels_png(labels: Sequence[str], counts: Sequence[Sequence[int]], title: str) -> bytes:
    """One horizontal bar per label (a track or a municipality), split by level shares."""
    height = 1.0 + 0.38 * len(labels)
    figure = Figure(figsize=(7.0, height), dpi=DPI)
    axes = figure.add_subplot()
    positions = list(range(len(labels)))[::-1]
    left = [0.0] * len(labels)
    for rank, level in enumerate(LEVELS):
        shares = [row[rank] / (sum(row) or 1) for row in counts]
        bars = axes.barh(
            positions,
            shares,
            left=left,
            color=LEVEL_COLORS[rank],
            edgecolor="#333333",
            linewidth=0.5,
            label=level,
            hatch=LEVEL_PATTERNS[rank] * HATCH_DENSITY,
        )
        texts = [_percent(s) if s >= MIN_LABELLED_SHARE else "" for s in shares]
        axes.bar_label(
            bars,
            labels=texts,
            label_type="center",
            fontsize=7,
            color=LEVEL_TEXT_COLORS[rank],
            bbox=_label_box(rank),
        )
        left = [a + b for a, b in zip(left, shares, strict=True)]
    axes.set_yticks(positions, labels=[_wrap(label) for label in labels], fontsize=8)
    axes.set_xlim(0, 1)
    axes.xaxis.set_major_formatter(lambda value, _position: _percent(value))
    axes.set_title(title, fontsize=11)
    axes.legend(
        ncols=len(LEVELS), loc="upper center", bbox_to_anchor=(0.5, -0.6 / height), fontsize=8, frameon=False
    )
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def level_change_png(before: Sequence[int], now: Sequence[int], before_name: str, now_name: str) -> bytes:
    """Schools per level in the previous round beside this round."""
    figure = Figure(figsize=(6.4, 3.2), dpi=DPI)
    axes = figure.add_subplot()
    positions = range(len(LEVELS))
    width = 0.38
    old = axes.bar(
        [p - width / 2 for p in positions],
        before,
        width,
        color="#bbbbbb",
        edgecolor="#333333",
        label=before_name,
    )
    new = axes.bar(
        [p + width / 2 for p in positions],
        now,
        width,
        color=LEVEL_COLORS,
        edgecolor="#333333",
        label=now_name,
    )
    _hatch(new, range(len(LEVELS)))
    axes.bar_label(old, fontsize=8, padding=2)
    axes.bar_label(new, fontsize=8, padding=2)
    axes.set_xticks(list(positions), labels=list(LEVELS))
    axes.set_ylabel("Школ")
    axes.set_ylim(0, max([*before, *now, 1]) * 1.2)
    axes.set_title(f"Уровни школ: «{before_name}» и «{now_name}»", fontsize=11)
    axes.legend(fontsize=8, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def _hatch(bars, ranks) -> None:
    """Each bar hatched with its level's pattern (one call cannot give bars different hatches)."""
    for bar, rank in zip(bars, ranks, strict=True):
        bar.set_hatch(LEVEL_PATTERNS[rank] * HATCH_DENSITY)


def _label_box(rank: int) -> dict:
    """A solid patch of the level's colour under a label, so the hatch does not cross the text."""
    return {"boxstyle": "round,pad=0.15", "facecolor": LEVEL_COLORS[rank], "edgecolor": "none"}


def _percent(share: float) -> str:
    return f"{100 * share:.0f} %"


def _wrap(label: str, width: int = 28) -> str:
    """Long names on two lines so the bars keep their room."""
    if len(label) <= width or " " not in label:
        return label
    cut = label.rfind(" ", 0, width)
    cut = cut if cut > 0 else label.find(" ")
    return label[:cut] + "\n" + label[cut + 1 :]


def _png(figure: Figure) -> bytes:
    figure.tight_layout()
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()
