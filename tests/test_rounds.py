"""Rounds without answers: never a default, skipped as «the previous round», removable on request."""

from __future__ import annotations

import pytest

from analytics.errors import SamodiagError
from analytics.loading import Upload, import_uploads, withdraw_import
from analytics.rounds import (
    empty_rounds,
    find_round,
    get_round,
    previous_round,
    remove_empty_round,
    rounds_default_first,
)
from tests.conftest import EXAMPLES

AUTUMN, SPRING, NEXT = "Осень 2025", "Весна 2026", "Осень 2026"


@pytest.fixture
def withdrawn(con):
    """Two rounds with answers, then «Осень 2026» whose only import was withdrawn."""
    import_uploads(con, [Upload.from_path(EXAMPLES / "region_wide_autumn_2025.xlsx")], AUTUMN)
    import_uploads(con, [Upload.from_path(EXAMPLES / "region_long_spring_2026.csv")], SPRING)
    report = import_uploads(con, [Upload.from_path(EXAMPLES / "school_protocols_spring_2026.xlsx")], NEXT)
    withdraw_import(con, report.import_id)
    return con


def _count(con, table: str, round_id: int) -> int:
    return con.execute(f"select count(*) from {table} where round_id = ?", [round_id]).fetchone()[0]


class TestEmptyRounds:
    def test_an_empty_round_is_never_the_default(self, withdrawn):
        """The newest round lost its answers: the picker starts at the newest round that has some."""
        assert [r.name for r in rounds_default_first(withdrawn)] == [SPRING, AUTUMN, NEXT]
        assert [r.name for r in empty_rounds(withdrawn)] == [NEXT]

    def test_previous_round_skips_an_empty_one(self, withdrawn):
        """A round dated between two answered ones but empty is not what a comparison starts from."""
        import_uploads(withdrawn, [Upload.from_path(EXAMPLES / "region_long_spring_2026.csv")], "Осень 2027")
        later = get_round(withdrawn, "Осень 2027")
        assert previous_round(withdrawn, later).name == SPRING

    def test_removing_an_empty_round_deletes_it_and_its_withdrawn_imports(self, withdrawn):
        """The round, its withdrawn import and that import's answers go; other rounds stay whole."""
        gone = get_round(withdrawn, NEXT)
        spring_answers = _count(withdrawn, "answers", get_round(withdrawn, SPRING).round_id)
        assert remove_empty_round(withdrawn, NEXT) == f"Раунд «{NEXT}» удалён"
        assert find_round(withdrawn, NEXT) is None
        for table in ("imports", "answers", "import_schools"):
            assert _count(withdrawn, table, gone.round_id) == 0
        assert _count(withdrawn, "answers", get_round(withdrawn, SPRING).round_id) == spring_answers

    def test_a_round_with_answers_is_refused_in_russian(self, withdrawn):
        """Nothing is deleted from a round whose answers are in force."""
        with pytest.raises(SamodiagError, match=f"в раунде «{SPRING}» есть ответы школ"):
            remove_empty_round(withdrawn, SPRING)
        assert find_round(withdrawn, SPRING) is not None
