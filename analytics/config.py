"""Paths and settings, resolved from this file rather than the working directory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = PROJECT_ROOT / "data"
RUBRIC_DIR = DATA_DIR / "rubric"
DEFAULT_DB_PATH = DATA_DIR / "samodiag.duckdb"
DEFAULT_METHODOLOGY = "demo-2025"
DB_ENV_VAR = "SAMODIAG_DB"


def db_path_from_env(env: Mapping[str, str] | None = None) -> Path:
    """The store's path: `SAMODIAG_DB` when set, else the file under `data/`."""
    env = os.environ if env is None else env
    value = env.get(DB_ENV_VAR, "").strip()
    return Path(value) if value else DEFAULT_DB_PATH
