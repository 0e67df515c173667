"""The demo database goes through the real importer and agrees with what it states."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics import views
from analytics.db import open_store
from analytics.demo_db import build_demo_database, ensure_demo_database
from analytics.fidelity import fidelity_report
from analytics.rounds import list_rounds


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    region = build_demo_database(path, schools=80, rounds=2, seed=7)
    return path, region


class TestDemoDatabase:
    def test_every_round_is_imported(self, demo):
        """Both demo rounds are in the store with their schools."""
        path, region = demo
        con = open_store(path)
        assert [r.name for r in list_rounds(con)] == [r.name for r in region.rounds]
        counts = con.execute(
            "select round_id, count(*) from current_schools group by all order by 1"
        ).fetchall()
        assert all(count >= 70 for _, count in counts)
        con.close()

    def test_engine_agrees_with_the_stated_figures(self, demo):
        """The demo's stated totals and levels equal the engine's: the fidelity report is empty."""
        path, _ = demo
        con = open_store(path)
        for rnd in list_rounds(con):
            assert fidelity_report(con, rnd).empty
        con.close()

    def test_overview_reads_the_same_lists_as_the_separate_functions(self, demo):
        """More schools need support than the list holds: the overview's single read still gives the
        support list and the below-basic list that each function gives alone."""
        path, _ = demo
        con = open_store(path)
        rnd = list_rounds(con)[-1]
        overview = views.region_overview(con, rnd)
        assert len(overview.support) == views.SUPPORT_LIST_LENGTH
        assert len(overview.below_basic) > 0
        pd.testing.assert_frame_equal(overview.support, views.support_list(con, rnd))
        pd.testing.assert_frame_equal(overview.below_basic, views.below_basic_schools(con, rnd))
        con.close()

    def test_roster_gives_every_school_a_type(self, demo):
        """The demo writes a roster, so every school has a locality."""
        path, _ = demo
        con = open_store(path)
        assert con.execute("select count(*) from schools where locality is null").fetchone()[0] == 0
        assert (
            con.execute("select count(*) from roster").fetchone()[0]
            > con.execute("select count(*) from schools").fetchone()[0] - 1
        )
        con.close()

    def test_ensure_does_not_rebuild_an_existing_store(self, demo):
        """An existing file is never replaced by the demo."""
        path, _ = demo
        before = path.stat().st_mtime_ns
        assert ensure_demo_database(path) is False
        assert path.stat().st_mtime_ns == before
