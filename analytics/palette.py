"""The colours and patterns of the four levels, shared by the pages and the documents.

Okabe–Ito colours (distinguishable with any colour-vision deficiency) chosen so that their greys
differ too; each level also carries a fill pattern, so a chart printed in greyscale still tells
the levels apart, and the level is always written as text as well.
"""

from __future__ import annotations

LEVEL_COLORS = ("#d55e00", "#f0e442", "#56b4e9", "#0072b2")
LEVEL_TEXT_COLORS = ("#000000", "#000000", "#000000", "#ffffff")
LEVEL_PATTERNS = ("x", "/", ".", "")
"""Plotly's pattern shapes, lowest level first; matplotlib's hatches use the same characters."""
