"""Zip bombs and floods of problems: refused by what is really inflated, problems kept to a screen.

The files are built here (benchmarks/hostile_files.py builds them at full size and measures the
memory they cost); the limits are made small where a full-size file would only slow the suite.
"""

from __future__ import annotations

import pytest

from analytics import parsing
from analytics.errors import MAX_PROBLEMS, ImportRejected, ProblemList, problem_count
from analytics.loading import Upload, commit_import, plan_import
from analytics.parsing import parse_export
from analytics.views import problems_frame
from benchmarks.hostile_files import LONG_HEADER, bad_rows_csv, understated_zip, zip_of
from tests.conftest import EXAMPLES

MIB = 1 << 20


def only_problem(parsed) -> str:
    assert len(parsed) == 1
    [problem] = parsed[0].problems
    return str(problem)


def test_member_expanding_past_the_limit_is_refused_with_the_limit():
    archive = zip_of({"bomb.csv": b"0" * (parsing.MAX_ZIP_MEMBER_BYTES + MIB)})
    assert len(archive) < 5 * MIB
    message = only_problem(parse_export("bomb.zip", archive))
    assert message.startswith("Файл «bomb.zip/bomb.csv»")
    assert "распаковывается больше чем в 128 МиБ" in message


def test_member_understating_its_size_is_refused_by_the_bytes_inflated(monkeypatch):
    monkeypatch.setattr(parsing, "MAX_ZIP_MEMBER_BYTES", 2 * MIB)
    archive = understated_zip(LONG_HEADER.encode() + b"0" * (3 * MIB), declared=100)
    message = only_problem(parse_export("lie.zip", archive))
    assert "«lie.zip/lie.csv»" in message
    assert "больше чем в 2 МиБ" in message


def test_members_under_the_member_limit_are_refused_by_their_total(monkeypatch):
    monkeypatch.setattr(parsing, "MAX_ZIP_MEMBER_BYTES", 2 * MIB)
    monkeypatch.setattr(parsing, "MAX_ZIP_TOTAL_BYTES", 5 * MIB)
    archive = zip_of({f"{n}.csv": LONG_HEADER.encode() + b"0" * (MIB * 3 // 2) for n in range(4)})
    message = only_problem(parse_export("many.zip", archive))
    assert message.startswith("Файл «many.zip»: архив распаковывается больше чем в 5 МиБ")


def test_rows_across_members_are_bounded(monkeypatch):
    monkeypatch.setattr(parsing, "MAX_ZIP_TOTAL_ROWS", 1000)
    example = (EXAMPLES / "region_long_spring_2026.csv").read_bytes()
    archive = zip_of({"a.csv": example, "b/a.csv": example})
    message = only_problem(parse_export("two.zip", archive))
    assert message == (
        "Файл «two.zip»: в файлах архива больше 1 000 строк ответов: это больше любой выгрузки "
        "самодиагностики; загрузите файлы частями"
    )


def test_an_honest_zip_reads_as_its_member():
    example = (EXAMPLES / "region_long_spring_2026.csv").read_bytes()
    [zipped] = parse_export("one.zip", zip_of({"a.csv": example}))
    [plain] = parse_export("a.csv", example)
    assert zipped.name == "one.zip/a.csv"
    assert zipped.problems == plain.problems == []
    assert [s.inn for s in zipped.schools] == [s.inn for s in plain.schools]


def test_a_flood_of_problems_keeps_the_first_and_counts_them_all(con):
    rows = 300_000
    archive = zip_of({"p.csv": bad_rows_csv(rows)})
    plan = plan_import(con, [Upload("problems.zip", archive)], "Весна 2026")
    assert len(plan.problems) == MAX_PROBLEMS
    assert problem_count(plan.problems) == rows
    assert "ИНН «x0» должен состоять из 10 или 12 цифр" in str(plan.problems[0])
    assert problems_frame(plan.problems)["message"].iloc[-1] == (
        f"показаны первые {MAX_PROBLEMS} из {rows} проблем"
    )
    with pytest.raises(ImportRejected, match=f"Найдено проблем: {rows}\\.") as rejected:
        commit_import(con, plan)
    assert f"… и ещё {rows - 50}" in str(rejected.value)


def test_problem_list_counts_what_it_drops():
    first = ProblemList()
    for n in range(MAX_PROBLEMS + 5):
        first.append(n)
    merged = ProblemList(["title"])
    merged.extend(first)
    assert len(merged) == MAX_PROBLEMS
    assert problem_count(merged) == MAX_PROBLEMS + 6
    assert merged.note() == f"показаны первые {MAX_PROBLEMS} из {MAX_PROBLEMS + 6} проблем"
