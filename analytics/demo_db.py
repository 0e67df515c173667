"""The demo database: a synthetic region written as export files and imported like real ones.

Going through the real importer (not inserting rows) means the demo exercises every layout the
portal produces, and a demo that imports cleanly is itself a check of the importer.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from analytics.accounts import add_demo_accounts
from analytics.db import open_store
from analytics.demo import DemoRegion, write_demo_region
from analytics.loading import Upload, import_uploads
from analytics.roster import import_roster
from analytics.views import municipalities

Progress = Callable[[float, str], None]


def build_demo_database(
    db_path: Path | str,
    *,
    schools: int = 600,
    rounds: int = 3,
    seed: int = 1,
    exports_dir: Path | None = None,
    progress: Progress | None = None,
) -> DemoRegion:
    """Write the demo exports (to `exports_dir` or a temporary folder) and import them all.

    The store is marked as the demo and gets one account per role (the coordinator's is the first
    municipality), so `make run` signs in with the accounts its login page names.
    """
    step = progress or (lambda _fraction, _text: None)
    con = open_store(db_path)
    try:
        with tempfile.TemporaryDirectory(prefix="samodiag-demo-") as scratch:
            folder = exports_dir or Path(scratch)
            step(0.0, "Создание выгрузок демонстрационного региона")
            region = write_demo_region(folder, schools=schools, rounds=rounds, seed=seed)
            import_roster(con, Upload.from_path(region.roster))
            for k, demo_round in enumerate(region.rounds):
                step((k + 1) / (len(region.rounds) + 1), f"Загрузка раунда «{demo_round.name}»")
                uploads = [Upload.from_path(path) for path in demo_round.files]
                import_uploads(con, uploads, demo_round.name, date=demo_round.date)
            add_demo_accounts(con, municipalities(con)[0])
    finally:
        con.close()
    step(1.0, "Демонстрационная база готова")
    return region


def ensure_demo_database(db_path: Path | str, progress: Progress | None = None) -> bool:
    """Build the demo database only when no store exists at `db_path`; True if it was built."""
    if Path(db_path).exists():
        return False
    build_demo_database(db_path, progress=progress)
    return True
