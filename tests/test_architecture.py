"""Rules of the layout that keep the engine testable without a UI."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import analytics

ROOT = Path(__file__).resolve().parents[1]


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


class TestEngineHasNoUi:
    def test_no_analytics_source_imports_streamlit(self):
        """No file under analytics/ imports streamlit, directly or by `from`."""
        offenders = [
            str(path.relative_to(ROOT))
            for path in (ROOT / "analytics").rglob("*.py")
            if "streamlit" in _imported_modules(path)
        ]
        assert offenders == []

    def test_importing_every_module_leaves_streamlit_unloaded(self):
        """Importing the whole package in a fresh interpreter never loads streamlit."""
        modules = [
            m.name
            for m in pkgutil.walk_packages(analytics.__path__, "analytics.")
            if m.name != "analytics.__main__"
        ]
        assert "analytics.loading" in modules
        code = (
            "import sys\n" + "\n".join(f"import {m}" for m in modules) + "\nprint('streamlit' in sys.modules)"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
        )
        assert done.stdout.strip() == "False"


class TestPagesHaveNoSql:
    def test_pages_run_no_sql(self):
        """Pages call analytics; they never run SQL on the connection themselves."""
        pages = [*sorted((ROOT / "pages").glob("*.py")), ROOT / "app.py"]
        offenders = [
            p.name
            for p in pages
            if p.exists()
            and any(call in p.read_text(encoding="utf-8") for call in (".execute(", ".sql(", ".query("))
        ]
        assert offenders == []


class TestOneTransactionHelper:
    def test_only_db_transaction_begins_a_transaction(self):
        """Every write goes through `db.transaction`, which also turns store faults into Russian:
        no other module opens a transaction of its own."""
        offenders = [
            str(path.relative_to(ROOT))
            for path in (ROOT / "analytics").rglob("*.py")
            if "begin transaction" in path.read_text(encoding="utf-8") and path.name != "db.py"
        ]
        assert offenders == []
