"""Fixtures: a fresh store per test, real export files written into tmp_path, and the app run
through Streamlit's AppTest."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest

from analytics.db import open_store
from analytics.demo import LONG_COLUMNS
from analytics.rubric import Rubric, load_rubric

if TYPE_CHECKING:
    from streamlit.testing.v1 import AppTest  # noqa: TID251 -- drives the pages through streamlit.testing

EXAMPLES = Path(__file__).resolve().parent / "fixtures" / "examples"
APP = Path(__file__).resolve().parents[1] / "app.py"
LONG_HEADER = list(LONG_COLUMNS)
"""The header of a layout-L export (the demo writes the same one)."""


@pytest.fixture(scope="session")
def rubric() -> Rubric:
    return load_rubric("demo-2025")


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = open_store(tmp_path / "test.duckdb")
    yield connection
    connection.close()


@pytest.fixture
def open_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., AppTest]]:
    """open_app(db, page, **query) → the app run on `db`, switched to pages/<page>.py.

    The app opens its one cached connection from SAMODIAG_DB, so each test points the variable at
    its store and clears Streamlit's caches around the test. The stores have no accounts, so the
    app runs in single-user mode (SAMODIAG_NO_LOGIN=1); tests/test_pages_accounts.py signs in.
    """
    import streamlit as st  # noqa: TID251 -- Streamlit is loaded only by the tests that run the app
    from streamlit.testing.v1 import AppTest  # noqa: TID251 -- the same

    def run(db: Path, page: str = "region", **query: str) -> AppTest:
        monkeypatch.setenv("SAMODIAG_DB", str(db))
        monkeypatch.setenv("SAMODIAG_NO_LOGIN", "1")
        at = AppTest.from_file(str(APP), default_timeout=120)
        at.query_params.update(query)
        at.run()
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    st.cache_resource.clear()
    st.cache_data.clear()
    yield run
    st.cache_resource.clear()
    st.cache_data.clear()


def metrics(at: AppTest) -> dict[str, str]:
    """The page's metrics: label → value."""
    return {m.label: m.value for m in at.metric}


@dataclass
class SchoolSpec:
    """A school to write into a test export: its answers chosen to reach given points."""

    inn: str
    name: str = "МОБУ «СОШ №1»"
    municipality: str = "Кировский муниципальный район"
    form: str = "general"
    track_points: dict[str, int] = field(default_factory=dict)
    """Points per track; tracks not named get the most they can with failed_critical."""
    failed_critical: tuple[int, ...] = ()
    """Numbers of critical indicators answered with 0 points."""


def answers_for(rubric: Rubric, spec: SchoolSpec) -> dict[int, tuple[str, int]]:
    """number → (answer, points) reaching spec.track_points exactly, criticals as asked."""
    chosen: dict[int, tuple[str, int]] = {}
    for track in rubric.tracks:
        indicators = [i for i in rubric.indicators_of(spec.form) if i.track_code == track.code]
        reachable = sum(i.points_max for i in indicators if i.number not in spec.failed_critical)
        target = spec.track_points.get(track.code, reachable)
        for ind in indicators:
            options = sorted(rubric.options_of(spec.form, ind.number), key=lambda o: o.points)
            if ind.number in spec.failed_critical:
                chosen[ind.number] = (options[0].answer, 0)
                continue
            # Non-critical answers start at zero; critical ones at their lowest non-zero answer.
            floor = options[0] if not ind.is_critical else next(o for o in options if o.points > 0)
            chosen[ind.number] = (floor.answer, floor.points)
        remaining = target - sum(chosen[i.number][1] for i in indicators)
        if remaining < 0:
            msg = f"{track.code}: {target} points is below what the critical indicators give"
            raise ValueError(msg)
        for ind in indicators:
            if ind.number in spec.failed_critical or remaining == 0:
                continue
            options = sorted(rubric.options_of(spec.form, ind.number), key=lambda o: o.points)
            current = chosen[ind.number][1]
            best = max((o for o in options if o.points - current <= remaining), key=lambda o: o.points)
            remaining -= best.points - current
            chosen[ind.number] = (best.answer, best.points)
        if remaining:
            msg = f"{track.code}: cannot reach {target} points"
            raise ValueError(msg)
    return chosen


def write_long_csv(
    path: Path, rubric: Rubric, schools: list[SchoolSpec], *, encoding: str = "utf-8", delimiter: str = ";"
) -> Path:
    """A layout-L export (one row per school and indicator) as the portal writes it."""
    titles = {f.code: f.title for f in rubric.forms}
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(LONG_HEADER)
        for spec in schools:
            texts = {i.number: i.text for i in rubric.indicators_of(spec.form)}
            for number, (answer, points) in sorted(answers_for(rubric, spec).items()):
                writer.writerow(
                    [
                        spec.inn,
                        spec.name,
                        spec.municipality,
                        titles[spec.form],
                        number,
                        texts[number],
                        answer,
                        points,
                    ]
                )
    return path
