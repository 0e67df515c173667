"""The importer: validate first, write all or nothing, and never write the same thing twice."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from analytics.db import open_store
from analytics.errors import ImportRejected, SamodiagError
from analytics.levels import school_levels_wide
from analytics.loading import Upload, import_uploads, plan_import, withdraw_import
from analytics.rounds import get_round
from tests.conftest import EXAMPLES, SchoolSpec, answers_for, write_long_csv

EXAMPLE_IMPORTS = [
    ("region_wide_autumn_2025.xlsx", "Осень 2025"),
    ("region_long_spring_2026.csv", "Весна 2026"),
    ("school_protocols_spring_2026.xlsx", "Весна 2026"),
]


def _expected_levels() -> dict[tuple[str, str], dict[str, str]]:
    with (EXAMPLES / "expected_levels.csv").open(encoding="utf-8") as handle:
        return {(row["round"], row["inn"]): row for row in csv.DictReader(handle)}


def _import_examples(con) -> None:
    for name, round_name in EXAMPLE_IMPORTS:
        import_uploads(con, [Upload.from_path(EXAMPLES / name)], round_name)


def _snapshot(con) -> list[tuple]:
    return con.execute(
        "select round_id, inn, scope, points, level_rank from school_scores order by all"
    ).fetchall()


def _count(con, table: str) -> int:
    return con.execute(f"select count(*) from {table}").fetchone()[0]


class TestWorkedExamples:
    def test_levels_match_expected_for_every_school_and_round(self, con):
        """All three layouts give exactly the totals and levels of expected_levels.csv."""
        _import_examples(con)
        expected = _expected_levels()
        seen = 0
        for round_name in ("Осень 2025", "Весна 2026"):
            table = school_levels_wide(con, get_round(con, round_name))
            for row in table.to_dict("records"):
                want = expected.pop((round_name, row["inn"]))
                for column, value in want.items():
                    if column not in ("round", "inn"):
                        assert str(row[column]) == value, (round_name, row["inn"], column)
                seen += 1
        assert expected == {}
        assert seen == 28

    def test_critical_failure_caps_total_despite_points(self, con):
        """4723257880 has 66 points in «Осень 2025» but a failed critical indicator."""
        _import_examples(con)
        table = school_levels_wide(con, get_round(con, "Осень 2025")).set_index("inn")
        assert table.loc["4723257880", "total"] == 66
        assert table.loc["4723257880", "level"] == "ниже базового"


class TestReimport:
    def test_same_file_twice_is_a_noop(self, con):
        """A file whose sha256 is already in the round is reported and changes nothing."""
        upload = Upload.from_path(EXAMPLES / "region_long_spring_2026.csv")
        import_uploads(con, [upload], "Весна 2026")
        before = (_snapshot(con), _count(con, "imports"), _count(con, "answers"))
        report = import_uploads(con, [upload], "Весна 2026")
        assert report.import_id is None
        assert report.already_loaded == ["region_long_spring_2026.csv"]
        assert "уже загружен" in report.describe()
        assert (_snapshot(con), _count(con, "imports"), _count(con, "answers")) == before

    def test_identical_answers_in_another_file_count_as_unchanged(self, con):
        """The protocol file repeats three schools with the same answers: no score moves."""
        import_uploads(con, [Upload.from_path(EXAMPLES / "region_long_spring_2026.csv")], "Весна 2026")
        before = _snapshot(con)
        report = import_uploads(
            con, [Upload.from_path(EXAMPLES / "school_protocols_spring_2026.xlsx")], "Весна 2026"
        )
        assert (report.new_count, report.replaced_count, report.unchanged_count) == (0, 0, 3)
        assert _snapshot(con) == before

    def test_corrected_file_replaces_school_and_withdraw_restores(self, con, rubric, tmp_path):
        """A later import replaces a school's answers; withdrawing it brings the old ones back."""
        first = write_long_csv(
            tmp_path / "first.csv", rubric, [SchoolSpec("4700000001", track_points={"knowledge": 5})]
        )
        second = write_long_csv(
            tmp_path / "second.csv", rubric, [SchoolSpec("4700000001", track_points={"knowledge": 15})]
        )
        import_uploads(con, [Upload.from_path(first)], "Весна 2026")
        rnd = get_round(con, "Весна 2026")
        report = import_uploads(con, [Upload.from_path(second)], "Весна 2026")
        assert report.replaced_count == 1
        assert "заменено ответов — 1" in report.describe()
        assert school_levels_wide(con, rnd)["knowledge_points"].tolist() == [15]
        withdraw_import(con, report.import_id)
        assert school_levels_wide(con, rnd)["knowledge_points"].tolist() == [5]
        assert "уже отозвана" in withdraw_import(con, report.import_id)


class TestRejectedImportsWriteNothing:
    @pytest.fixture
    def loaded(self, con):
        import_uploads(con, [Upload.from_path(EXAMPLES / "region_long_spring_2026.csv")], "Весна 2026")
        return con

    def _assert_rejected(self, con, upload: Upload, fragment: str, round_name: str = "Весна 2026") -> str:
        before = (_snapshot(con), _count(con, "imports"), _count(con, "answers"), _count(con, "rounds"))
        with pytest.raises(ImportRejected) as caught:
            import_uploads(con, [upload], round_name)
        message = str(caught.value)
        assert fragment in message
        assert "ничего не записано" in message
        assert (
            _snapshot(con),
            _count(con, "imports"),
            _count(con, "answers"),
            _count(con, "rounds"),
        ) == before
        return message

    def _long_rows(self) -> list[list[str]]:
        text = (EXAMPLES / "region_long_spring_2026.csv").read_bytes().decode("cp1251")
        return list(csv.reader(io.StringIO(text), delimiter=";"))

    def _csv_upload(self, rows: list[list[str]], name: str = "bad.csv") -> Upload:
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=";").writerows(rows)
        return Upload(name, buffer.getvalue().encode("utf-8"))

    def test_unknown_answer_names_file_row_and_column(self, loaded):
        """An answer not in the rubric is an error naming the place, never a silent 0."""
        rows = self._long_rows()
        rows[5][6] = "Затрудняюсь ответить"
        message = self._assert_rejected(
            loaded, self._csv_upload(rows), "ответ «Затрудняюсь ответить» не найден"
        )
        assert "Файл «bad.csv», строка 6, столбец «Ответ»" in message
        assert "--methodology" in message

    def test_points_contradicting_rubric(self, loaded):
        """Exported points that differ from the rubric's points for that answer are rejected."""
        rows = self._long_rows()
        rows[1][7] = "0" if rows[1][7] == "1" else "1"
        self._assert_rejected(loaded, self._csv_upload(rows), "противоречат методике demo-2025")

    def test_text_in_number_cell(self, loaded):
        """A points cell holding text is named with its row and column."""
        rows = self._long_rows()
        rows[3][7] = "один"
        self._assert_rejected(loaded, self._csv_upload(rows), "строка 4, столбец «Баллы»")

    def test_missing_indicator(self, loaded):
        """A school without an answer to every indicator of its form is rejected."""
        rows = self._long_rows()
        del rows[10]
        self._assert_rejected(loaded, self._csv_upload(rows), "нет ответов на показатели")

    def test_duplicate_row(self, loaded):
        """The same indicator twice for one school is rejected."""
        rows = self._long_rows()
        rows.insert(3, rows[2])
        self._assert_rejected(loaded, self._csv_upload(rows), "указан повторно")

    def test_unknown_form(self, loaded):
        """A questionnaire type the methodology does not know is rejected with the known ones."""
        rows = self._long_rows()
        for row in rows[1:]:
            if row[0] == rows[1][0]:
                row[3] = "Самодиагностика ВЕЧЕРНЕЙ школы"
        self._assert_rejected(loaded, self._csv_upload(rows), "неизвестный тип самодиагностики")

    def test_school_twice_with_different_answers_in_one_import(self, loaded, rubric, tmp_path):
        """One ИНН in two files of one import must carry identical answers."""
        a = write_long_csv(tmp_path / "a.csv", rubric, [SchoolSpec("4700000002", track_points={"health": 6})])
        b = write_long_csv(tmp_path / "b.csv", rubric, [SchoolSpec("4700000002", track_points={"health": 9})])
        before = _count(loaded, "imports")
        with pytest.raises(ImportRejected, match="уже есть в этой загрузке"):
            import_uploads(loaded, [Upload.from_path(a), Upload.from_path(b)], "Весна 2026")
        assert _count(loaded, "imports") == before

    @pytest.mark.parametrize(
        ("name", "data", "fragment"),
        [
            ("empty.csv", b"", "пуст"),
            ("noise.xlsx", b"PK\x03\x04 not really a workbook", "повреждён"),
            ("plain.csv", "Колонка;Другая\n1;2\n".encode(), "не найдена строка заголовков"),
            ("notes.txt", b"hello", "не поддерживается"),
        ],
    )
    def test_hostile_files(self, loaded, name, data, fragment):
        """Empty, broken, unrecognised and unsupported files fail with a Russian message."""
        self._assert_rejected(loaded, Upload(name, data), fragment)

    def test_truncated_zip(self, loaded):
        """A zip cut short is reported, and nothing is written."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.write(EXAMPLES / "region_long_spring_2026.csv", "spring.csv")
        data = buffer.getvalue()
        self._assert_rejected(loaded, Upload("cut.zip", data[: len(data) // 2]), "cut.zip")


def _digests(con) -> list[tuple]:
    return con.execute("select * from import_digests order by import_id, inn").fetchall()


class TestImportDigests:
    def test_digest_sets_a_bit_per_deficit_and_per_failed_critical_indicator(self, tmp_path, con, rubric):
        """Bit number − 1 is set for each indicator below its maximum, and for each critical one at 0."""
        spec = SchoolSpec("4700000001", track_points={"health": 6}, failed_critical=(24,))
        import_uploads(
            con, [Upload.from_path(write_long_csv(tmp_path / "a.csv", rubric, [spec]))], "Осень 2025"
        )
        answers = answers_for(rubric, spec)
        maxima = {i.number: i.points_max for i in rubric.indicators_of("general")}
        deficit_mask, failed_mask = con.execute(
            "select deficit_mask::varchar, failed_critical_mask::varchar from import_digests"
        ).fetchone()
        short = [n for n, (_, points) in answers.items() if points < maxima[n]]
        assert 24 in short
        assert int(deficit_mask) == sum(1 << (n - 1) for n in short)
        assert int(failed_mask) == 1 << 23

    def test_same_answers_same_fingerprint_other_answers_another(self, tmp_path, con, rubric):
        """Two schools with one answer set share a fingerprint; a third with other answers does not."""
        specs = [
            SchoolSpec("4700000001"),
            SchoolSpec("4700000002"),
            SchoolSpec("4700000003", failed_critical=(24,)),
        ]
        import_uploads(
            con, [Upload.from_path(write_long_csv(tmp_path / "a.csv", rubric, specs))], "Осень 2025"
        )
        prints = dict(con.execute("select inn, answers_fingerprint from import_digests").fetchall())
        assert prints["4700000001"] == prints["4700000002"] != prints["4700000003"]

    def test_a_store_from_before_the_digests_gets_them_when_opened(self, tmp_path):
        """Opening a store made before migration 0006 writes the digests of every stored import."""
        path = tmp_path / "old.duckdb"
        con = open_store(path)
        _import_examples(con)
        written_on_import = _digests(con)
        con.execute("drop table import_digests")
        con.execute("delete from schema_migrations where name = '0006_import_digests'")
        con.close()
        reopened = open_store(path)
        assert len(written_on_import) == _count(reopened, "import_schools")
        assert _digests(reopened) == written_on_import
        reopened.close()


class TestRounds:
    def test_round_created_with_default_date_and_methodology(self, con):
        """«Весна YYYY» gets 1 April and demo-2025 unless told otherwise."""
        import_uploads(con, [Upload.from_path(EXAMPLES / "region_long_spring_2026.csv")], "Весна 2026")
        rnd = get_round(con, "Весна 2026")
        assert (rnd.date.isoformat(), rnd.methodology) == ("2026-04-01", "demo-2025")

    def test_other_round_name_needs_a_date(self, con):
        """A name that is not «Весна/Осень YYYY» cannot guess its date."""
        with pytest.raises(SamodiagError, match="укажите дату"):
            plan_import(con, [Upload.from_path(EXAMPLES / "region_long_spring_2026.csv")], "Дополнительный")

    def test_wide_title_naming_another_round(self, con):
        """A wide export titled «Осень 2025» cannot go into «Весна 2026»."""
        upload = Upload.from_path(EXAMPLES / "region_wide_autumn_2025.xlsx")
        with pytest.raises(ImportRejected, match=r"указан раунд «Осень 2025».*«Весна 2026»"):
            import_uploads(con, [upload], "Весна 2026")
        assert _count(con, "rounds") == 0

    def test_unknown_methodology_for_new_round(self, con):
        """Only versions present under data/rubric can be named."""
        with pytest.raises(SamodiagError, match="методика «official-2030» не найдена"):
            plan_import(con, [], "Весна 2026", methodology="official-2030")


KILL_MIDWAY = textwrap.dedent(
    """
    import os, signal, sys
    import analytics.loading as loading
    from analytics.db import open_store

    def die(*_args, **_kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    loading.refresh_round = die  # killed after the rows are written, before the commit
    con = open_store(sys.argv[1])
    loading.import_uploads(con, [loading.Upload.from_path(sys.argv[2])], "Весна 2026")
    """
)


class TestAllOrNothing:
    def test_killed_import_leaves_previous_state(self, tmp_path, rubric):
        """A process killed in the middle of an import leaves the store as it was."""
        from analytics.db import open_store

        db = tmp_path / "store.duckdb"
        first = write_long_csv(
            tmp_path / "first.csv", rubric, [SchoolSpec("4700000003", track_points={"career": 2})]
        )
        second = write_long_csv(
            tmp_path / "second.csv", rubric, [SchoolSpec("4700000003", track_points={"career": 9})]
        )
        con = open_store(db)
        import_uploads(con, [Upload.from_path(first)], "Весна 2026")
        before = (_snapshot(con), _count(con, "answers"), _count(con, "imports"))
        con.close()
        script = tmp_path / "kill.py"
        script.write_text(KILL_MIDWAY, encoding="utf-8")
        root = Path(__file__).resolve().parents[1]
        done = subprocess.run(
            [sys.executable, str(script), str(db), str(second)],
            cwd=root,
            env={"PYTHONPATH": str(root)},
            capture_output=True,
            check=False,
        )
        assert done.returncode == -9
        con = open_store(db)
        assert (_snapshot(con), _count(con, "answers"), _count(con, "imports")) == before

    def test_failure_during_scoring_rolls_back(self, con, rubric, tmp_path, monkeypatch):
        """An exception after the rows are inserted rolls the whole import back."""
        from analytics import loading

        path = write_long_csv(tmp_path / "a.csv", rubric, [SchoolSpec("4700000004")])

        def broken(*_args):
            raise RuntimeError("scoring failed")

        monkeypatch.setattr(loading, "refresh_round", broken)
        with pytest.raises(RuntimeError):
            import_uploads(con, [Upload.from_path(path)], "Весна 2026")
        assert (_count(con, "answers"), _count(con, "imports"), _count(con, "rounds")) == (0, 0, 0)


class TestOneWriter:
    def test_second_process_fails_at_once_with_russian_message(self, tmp_path):
        """While one process holds the store, the CLI import exits non-zero with the §5 text."""
        from analytics.db import open_store

        db = tmp_path / "held.duckdb"
        holder = open_store(db)
        root = Path(__file__).resolve().parents[1]
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "analytics",
                "import",
                str(EXAMPLES / "region_long_spring_2026.csv"),
                "--round",
                "Весна 2026",
                "--db",
                str(db),
            ],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        holder.close()
        assert done.returncode != 0
        assert "база открыта другим процессом (приложением)" in done.stderr
