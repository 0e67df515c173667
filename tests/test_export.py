"""Every CSV the product writes neutralises formula-like text cells and keeps numbers as numbers."""

from __future__ import annotations

import csv
import io

import pandas as pd

from analytics.export import csv_bytes, neutralise_cell


def test_text_cells_are_inert_and_numbers_unchanged():
    frame = pd.DataFrame(
        {
            "name": ['=HYPERLINK("http://x","y")', "@SUM(A1)", "-2", "\tx", "СОШ №1"],
            "municipality": ["+1", "+1", "+1", "+1", "Кировский"],
            "change": [-3, -1, 0, 1, 2],
            "share": [-0.5, 0.0, 0.1, 0.2, 0.3],
        }
    )
    for excel in (False, True):
        text = csv_bytes(frame, excel=excel).decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";" if excel else ","))
        assert [r["name"] for r in rows] == ["'" + n for n in frame["name"][:4]] + ["СОШ №1"]
        assert [r["municipality"] for r in rows] == ["'+1"] * 4 + ["Кировский"]
        assert [int(r["change"]) for r in rows] == [-3, -1, 0, 1, 2]
        assert [float(r["share"]) for r in rows] == [-0.5, 0.0, 0.1, 0.2, 0.3]


def test_carriage_return_and_non_text_cells():
    assert neutralise_cell("\rx") == "'\rx"
    assert neutralise_cell(-5) == -5
    assert neutralise_cell(None) is None


def test_headers_are_cells_too():
    frame = pd.DataFrame({"=cmd|' /C calc'!A0_points": [-3], "name": ["x"]})
    header = csv_bytes(frame).decode().splitlines()[0]
    assert header == "'=cmd|' /C calc'!A0_points,name"
    assert csv_bytes(frame).decode().splitlines()[1] == "-3,x"
