"""Uploads parsed in a worker process under a memory limit: a file that needs more memory than
allowed ends the worker, not the caller, and is named in Russian; a normal file gives the plan
it gives in process."""

from __future__ import annotations

import resource

import pytest

from analytics.errors import ProblemList, problem_count
from analytics.isolation import UploadTooDemanding, parse_uploads_isolated, plan_import_isolated
from analytics.loading import Upload, plan_import
from benchmarks.hostile_files import LONG_HEADER, bad_rows_csv
from tests.conftest import EXAMPLES

MIB = 1 << 20


def example_uploads() -> list[Upload]:
    return [
        Upload.from_path(EXAMPLES / name)
        for name in ("region_long_spring_2026.csv", "region_wide_autumn_2025.xlsx")
    ]


def test_a_normal_upload_gives_the_plan_it_gives_in_process(con):
    uploads = example_uploads()[:1]
    isolated = plan_import_isolated(con, uploads, "Весна 2026")
    in_process = plan_import(con, uploads, "Весна 2026")
    assert isolated == in_process
    assert isolated.is_valid
    assert isolated.new_count == 14


def test_parsed_files_and_their_problem_counts_survive_the_trip():
    flood = Upload("flood.csv", bad_rows_csv(1500))
    [[parsed]] = parse_uploads_isolated([flood], 1 << 30)
    assert isinstance(parsed.problems, ProblemList)
    assert problem_count(parsed.problems) == 1500


def test_a_file_needing_more_memory_than_allowed_is_named_and_the_caller_lives():
    huge_line = Upload("огромная строка.csv", LONG_HEADER.encode() + b"0" * (400 * MIB))
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(UploadTooDemanding) as refused:
        parse_uploads_isolated([example_uploads()[0], huge_line], 512 * MIB)
    assert str(refused.value) == (
        "файл требует больше памяти, чем разрешено (0,5 ГиБ): «огромная строка.csv»; "
        "проверка прервана, ничего не записано"
    )
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    assert grown_mib < 400, "the parsing happened in the caller, not in the worker"
