"""The analyst's notebook runs top to bottom against the current engine, so it cannot rot."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes_without_errors(path):
    """Every cell runs, including the asserts the notebook makes about its own results."""
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("ниже базового" in str(o) for o in outputs)


def test_there_is_a_notebook():
    """The walkthrough notebook exists, so the parametrized test above is not empty."""
    assert [p.name for p in NOTEBOOKS] == ["01-region-walkthrough.ipynb"]
