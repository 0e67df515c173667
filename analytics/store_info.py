"""What is stored: the import log, rounds and schools, as tables for the CLI and the pages.

pandas is not imported here: DuckDB's `.df()` loads it for the frames, and the rows of
`list_rounds_rows` need none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb
    import pandas as pd


def list_imports(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The import log, newest first: files, checksums, counts, round, time, who imported, status."""
    return con.execute(
        """
        select
            i.import_id,
            r.name as round,
            i.imported_at,
            i.imported_by,
            string_agg(f.file_name, ', ' order by f.file_name) as files,
            string_agg(f.sha256, ', ' order by f.file_name) as sha256,
            sum(f.rows_count)::integer as rows,
            i.schools_count as schools,
            i.new_count,
            i.replaced_count,
            i.unchanged_count,
            i.status,
            i.withdrawn_at,
        from imports as i
        join rounds as r on r.round_id = i.round_id
        left join import_files as f on f.import_id = i.import_id
        group by all
        order by i.import_id desc
        """
    ).df()


def list_rounds_rows(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[tuple]]:
    """Rounds, oldest first, with their methodology and how many schools are in force.

    Column names and plain rows rather than a DataFrame: the `rounds` command writes them as CSV
    without loading pandas, which would take most of its run.
    """
    result = con.execute(
        """
        select
            r.name as round,
            r.round_date as date,
            r.methodology,
            count(c.inn)::integer as schools,
        from rounds as r
        left join current_schools as c on c.round_id = r.round_id
        group by all
        order by r.round_date, r.name
        """
    )
    return [column[0] for column in result.description], result.fetchall()


def list_schools(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every school known from exports, with roster details where the roster has them."""
    return con.execute(
        """
        select inn, name, municipality, form, locality, pupils, is_correctional, is_in_roster
        from schools
        order by municipality, name, inn
        """
    ).df()
