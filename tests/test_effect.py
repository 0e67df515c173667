"""The effect of measures on a hand-made case whose answer is known."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from analytics.effect import (
    ALL_TRACKS,
    CAVEAT,
    VERDICT_MORE,
    VERDICT_SAME,
    VERDICT_SMALL,
    Comparison,
    effect_table,
    measure_effects,
    wilson_interval,
)
from analytics.errors import SamodiagError
from analytics.loading import Upload, import_uploads
from analytics.plans import Measure, add_measure
from analytics.rounds import get_round
from tests.conftest import SchoolSpec, write_long_csv
from tests.test_cli import run_cli

EARLIER, LATER = "Осень 2025", "Весна 2026"
SCHOOLS = [f"47200001{n:02d}" for n in range(20)]
TREATED = SCHOOLS[:10]
CLOSED = {*TREATED[:8], *SCHOOLS[10:12]}
"""Eight of the ten schools with a measure closed the deficit, two of the ten without."""


class TestArithmetic:
    def test_wilson_interval_of_eight_in_ten(self):
        """Wilson's 95 % interval for 8/10 is 0.490…0.943 (tables); none for no trials."""
        low, high = wilson_interval(8, 10)
        assert (round(low, 3), round(high, 3)) == (0.49, 0.943)
        assert wilson_interval(0, 10)[0] == 0
        assert all(math.isnan(v) for v in wilson_interval(0, 0))

    def test_fisher_on_eight_of_ten_against_two_of_ten(self):
        """Two-sided exact p = 2 · (C(10,8)² + C(10,9)² + 1) / C(20,10) = 2 · 2126 / 184756."""
        row = Comparison(10, 8, 10, 2).row()
        assert row["p_value"] == pytest.approx(2 * 2126 / 184756)
        assert row["verdict"] == VERDICT_MORE

    def test_small_numbers_say_so_whatever_the_p_value(self):
        assert Comparison(9, 9, 40, 2).row()["verdict"] == VERDICT_SMALL
        assert Comparison(10, 5, 10, 4).row()["verdict"] == VERDICT_SAME

    def test_units_of_another_indicator_are_no_control(self):
        units = pd.DataFrame(
            {
                "inn": ["1", "2", "3"],
                "form": ["general"] * 3,
                "track_code": ["health"] * 3,
                "number": [24, 24, 25],
                "is_closed": [True, False, True],
                "kinds": [["own"], [], []],
            }
        )
        row = effect_table(units).iloc[0]
        assert (row["with_measure"], row["without_measure"], row["closed_without_measure"]) == (1, 1, 0)

    def test_the_caveat_is_plain(self):
        assert CAVEAT.startswith("это наблюдение, а не доказательство")


def school(inn: str, closed: bool) -> SchoolSpec:
    return SchoolSpec(inn, f"Школа {inn[-2:]}", failed_critical=() if closed else (24,))


@pytest.fixture
def two_rounds(con, rubric, tmp_path):
    before = write_long_csv(tmp_path / "before.csv", rubric, [school(inn, closed=False) for inn in SCHOOLS])
    import_uploads(con, [Upload.from_path(before)], EARLIER)
    after = write_long_csv(tmp_path / "after.csv", rubric, [school(inn, inn in CLOSED) for inn in SCHOOLS])
    import_uploads(con, [Upload.from_path(after)], LATER)
    earlier = get_round(con, EARLIER)
    for inn in TREATED:
        measure = Measure((24,), "Создать клуб", "own", "Директор", dt.date(2026, 3, 1))
        add_measure(con, earlier, inn, measure)
    cancelled = Measure((24,), "Семинар", "seminar", "Методист", dt.date(2026, 3, 1), status="отменено")
    add_measure(con, earlier, SCHOOLS[19], cancelled)
    return earlier, get_round(con, LATER)


class TestFromTheStore:
    def test_known_answer(self, con, two_rounds):
        effects = measure_effects(con, *two_rounds).set_index(["kind", "track_code"])
        assert set(effects.index) == {("own", "health"), ("own", ALL_TRACKS)}, "a cancelled measure is none"
        health = effects.loc[("own", "health")]
        assert (health["with_measure"], health["closed_with_measure"]) == (10, 8)
        assert (health["without_measure"], health["closed_without_measure"]) == (10, 2)
        assert health["p_value"] == pytest.approx(0.023014, abs=1e-6)
        assert health["verdict"] == VERDICT_MORE

    def test_rounds_in_the_wrong_order_are_refused(self, con, two_rounds):
        earlier, later = two_rounds
        with pytest.raises(SamodiagError, match="должен быть позже"):
            measure_effects(con, later, earlier)

    @pytest.mark.usefixtures("two_rounds")
    def test_command_line(self, con):
        db = con.execute("select path from duckdb_databases() where database_name = current_database()")
        path = db.fetchone()[0]
        con.close()
        done = run_cli("effect", "--from", EARLIER, "--to", LATER, "--db", path)
        assert done.returncode == 0, done.stderr.decode()
        lines = done.stdout.decode().splitlines()
        assert lines[0].startswith("kind,kind_label,track_code,with_measure")
        assert lines[1].startswith("own,собственная мера,health,10,8,0.8,")
        assert CAVEAT in done.stderr.decode()
