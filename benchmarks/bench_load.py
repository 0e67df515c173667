"""Many people at once: N signed-in browser sessions on one app server, per page p50/p95.

`python -m benchmarks.bench_load [--sessions 30] [--db PATH] [--rounds-per-session 2]` starts
`streamlit run app.py` (sign-in required) on a region-size demo store (3,000 schools × 2 rounds,
built once into benchmarks/out/load/ unless --db names one), gives it load-test accounts — mostly
coordinators of the region's municipalities, every tenth an observer — and opens N headless
Chromium contexts at once. Each signs in (the time until «Обзор региона» is drawn) and then, a
few times over, opens a school from the support list, «Муниципалитет» and «Обзор региона»
through the page's own links (a reload would start a new, signed-out session).

«Drawn» is the browser tests' idea, timed in the page: the click is stamped with
`performance.now()`, then the time is taken when the app's script state (the `stApp` element's
`data-test-script-state`) has been «running» after the click and is «notRunning» again, the
page's own marker is shown, and every chart has its SVG (`app_server.DRAWN`).

The second phase repeats the readers' loop while the operator imports through «Загрузка» — the
app's own upload path, the only one that can write while the app holds the store — one region
export after another into new rounds, until the readers finish. The readers' figures then include
the cache being dropped by each import (every page recomputes), which is what an import costs them.

The browsers run on the same machine as the server, so their CPU competes with it: the figures
are an upper bound of what a server alone would give. Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from playwright.async_api import Browser, Page, async_playwright

from analytics.accounts import COORDINATOR, OBSERVER, OPERATOR, add_user, list_users
from analytics.config import PROJECT_ROOT
from analytics.db import open_store
from analytics.demo import write_demo_region
from analytics.demo_db import build_demo_database
from analytics.views import municipalities
from benchmarks.app_server import CHROMIUM, CHROMIUM_ARGS, DRAWN, running_app
from benchmarks.bench_pages import percentile

OUT = PROJECT_ROOT / "benchmarks" / "out" / "load"
SCHOOLS, ROUNDS, SEED = 3_000, 2, 1
PASSWORD = "load-test-password"  # noqa: S105 -- the benchmark store's own throwaway accounts
OPERATOR_LOGIN = "load-operator"
OBSERVER_EVERY = 10
TIMEOUT_MS = 180_000
IMPORT_STEP_TIMEOUT_MS = 60_000
VIEWPORT = {"width": 1400, "height": 900}
IMPORT_ROUNDS = ("Весна", "Осень")
PAGES = ("вход + обзор региона", "школа", "муниципалитет", "обзор региона")

WATCH_SCRIPT_STATE = """() => {
    window.__runs = [];
    new MutationObserver(() => {
        const app = document.querySelector('[data-testid="stApp"]');
        if (app) window.__runs.push([performance.now(), app.getAttribute('data-test-script-state')]);
    }).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-test-script-state']});
}"""
"""Installed in every page before it loads: a log of the app's script-state changes."""

DRAWN_SINCE = (
    """([start, marker]) => {
    const runs = window.__runs || [];
    const ran = runs.some(([at, state]) => at >= start && state === 'running');
    const app = document.querySelector('[data-testid="stApp"]');
    if (!ran || !app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (!document.body.innerText.includes(marker)) return false;
    if (!("""
    + DRAWN
    + """)()) return false;
    window.__drawnAt = performance.now();
    return true;
}"""
)
"""True (and the time noted) once a run started after `start` has ended and the page is drawn."""


@dataclass
class Timings:
    """Milliseconds per page, with the count of steps that failed (timeouts, refusals)."""

    pages: dict[str, list[float]] = field(default_factory=lambda: {name: [] for name in PAGES})
    failures: int = 0


@dataclass(frozen=True)
class Reader:
    login: str
    marker: str
    """A text every page of theirs shows once drawn: «Вы вошли как <login>»."""


# --- the store ------------------------------------------------------------------------------


def prepare_store(db: Path | None, sessions: int) -> tuple[Path, list[Reader]]:
    """The store to serve and the readers' accounts (created in it once, with the operator's)."""
    if db is None:
        db = OUT / "region.duckdb"
        if not db.exists():
            OUT.mkdir(parents=True, exist_ok=True)
            print(f"building {SCHOOLS} schools × {ROUNDS} rounds into {db}", file=sys.stderr)
            build_demo_database(db, schools=SCHOOLS, rounds=ROUNDS, seed=SEED)
    con = open_store(db)
    try:
        existing = set(list_users(con)["login"])
        names = municipalities(con)
        readers = []
        for k in range(sessions):
            login = f"load-{k + 1:03d}"
            is_observer = (k + 1) % OBSERVER_EVERY == 0
            if login not in existing:
                role = OBSERVER if is_observer else COORDINATOR
                municipality = None if is_observer else names[k % len(names)]
                add_user(con, "bench", login, PASSWORD, role, municipality=municipality)
            readers.append(Reader(login, f"Вы вошли как {login}"))
        if OPERATOR_LOGIN not in existing:
            add_user(con, "bench", OPERATOR_LOGIN, PASSWORD, OPERATOR)
    finally:
        con.close()
    return db, readers


@dataclass(frozen=True)
class ImportFiles:
    """Two region exports of the same round from other seeds, imported in turn into that round, so
    every import is a real one (new bytes) and the readers' latest round changes under them."""

    round_name: str
    exports: tuple[Path, Path]


def import_exports(folder: Path) -> ImportFiles:
    """The exports for the operator to upload during the second phase (written on every run)."""
    exports, names = [], set()
    for offset in (1, 2):
        region = write_demo_region(folder / f"seed{offset}", schools=SCHOOLS, rounds=1, seed=SEED + offset)
        (demo_round,) = region.rounds
        names.add(demo_round.name)
        exports.append(next(path for path in demo_round.files if "protocols" not in path.name))
    (round_name,) = names
    return ImportFiles(round_name, (exports[0], exports[1]))


# --- one browser session ---------------------------------------------------------------------


async def click_and_time(page: Page, click, marker: str) -> float:
    """Milliseconds from the click to the page drawn after it, measured by the page's clock."""
    start = await page.evaluate("() => performance.now()")
    await click()
    await page.wait_for_function(DRAWN_SINCE, arg=[start, marker], polling=50, timeout=TIMEOUT_MS)
    return await page.evaluate("() => window.__drawnAt") - start


async def sign_in(page: Page, url: str, login: str, marker: str) -> float:
    await page.goto(url)
    await page.get_by_label("Логин").fill(login)
    await page.get_by_label("Пароль").fill(PASSWORD)
    return await click_and_time(page, page.get_by_role("button", name="Войти").click, marker)


async def nav_click(page: Page, title: str) -> None:
    await page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()


async def reader_session(browser: Browser, url: str, reader: Reader, loops: int, timings: Timings) -> None:
    """Sign in, then `loops` times: a school from the support list, the municipality, the region."""
    context = await browser.new_context(viewport=VIEWPORT, locale="ru-RU")
    context.set_default_timeout(TIMEOUT_MS)
    await context.add_init_script(f"({WATCH_SCRIPT_STATE})()")
    page = await context.new_page()
    try:
        timings.pages[PAGES[0]].append(await sign_in(page, url, reader.login, reader.marker))
        for _ in range(loops):
            school_link = page.get_by_test_id("stPageLink").filter(has_text=" — ").first
            if await school_link.count():
                timings.pages["школа"].append(await click_and_time(page, school_link.click, reader.marker))
            steps = (("муниципалитет", "Муниципалитет"), ("обзор региона", "Обзор региона"))
            for name, title in steps:
                ms = await click_and_time(page, lambda t=title: nav_click(page, t), reader.marker)
                timings.pages[name].append(ms)
    except Exception as error:  # a failed session is counted, the others go on
        timings.failures += 1
        print(f"{reader.login}: {type(error).__name__}: {str(error).splitlines()[0]}", file=sys.stderr)
    finally:
        await context.close()


async def operator_imports(
    browser: Browser, url: str, files: ImportFiles, stop: asyncio.Event
) -> list[float]:
    """Import the two exports in turn through «Загрузка» until `stop`; seconds per import."""
    context = await browser.new_context(viewport=VIEWPORT, locale="ru-RU")
    context.set_default_timeout(TIMEOUT_MS)
    await context.add_init_script(f"({WATCH_SCRIPT_STATE})()")
    page = await context.new_page()
    marker = f"Вы вошли как {OPERATOR_LOGIN}"
    durations = []
    try:
        await sign_in(page, url, OPERATOR_LOGIN, marker)
        await click_and_time(page, lambda: nav_click(page, "Загрузка"), marker)
        chooser = page.get_by_test_id("stMain").get_by_role("combobox", name="Раунд")
        await chooser.click()
        await page.get_by_role("option", name=files.round_name, exact=True).click()
        while not stop.is_set():
            export = files.exports[len(durations) % 2]
            durations.append(await import_once(page, export, files.round_name) / 1000)
    finally:
        await context.close()
    return durations


async def import_once(page: Page, export: Path, round_name: str) -> float:
    """One upload, check and import; milliseconds from «Загрузить в базу» to its report drawn."""
    try:
        return await _upload_check_import(page, export, round_name)
    except Exception:
        await page.screenshot(path=str(OUT / "import_failed.png"), full_page=True)
        raise


async def _upload_check_import(page: Page, export: Path, round_name: str) -> float:
    await page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(str(export))
    await page.get_by_test_id("stFileChip").first.wait_for(timeout=IMPORT_STEP_TIMEOUT_MS)
    await page.get_by_role("button", name="Проверить файлы").click(timeout=IMPORT_STEP_TIMEOUT_MS)
    await page.get_by_text("Заменят ответы").first.wait_for(timeout=TIMEOUT_MS)
    commit = page.get_by_role("button", name="Загрузить в базу")
    ms = await click_and_time(page, commit.click, f"в раунд «{round_name}»: школ новых")
    await page.get_by_test_id("stFileChipDeleteBtn").first.click()
    await page.wait_for_timeout(500)
    return ms


# --- the run --------------------------------------------------------------------------------


async def phase(
    url: str, readers: list[Reader], loops: int, import_files: ImportFiles | None
) -> tuple[Timings, list[float]]:
    """All readers at once (and the importing operator, if `import_files`); their timings."""
    timings = Timings()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        stop = asyncio.Event()
        importer = None
        if import_files:
            importer = asyncio.create_task(operator_imports(browser, url, import_files, stop))
            await asyncio.sleep(5)  # the first import is under way when the readers arrive
        await asyncio.gather(*(reader_session(browser, url, r, loops, timings) for r in readers))
        stop.set()
        imports = await importer if importer else []
        await browser.close()
    return timings, imports


def table(title: str, timings: Timings) -> list[str]:
    lines = [f"{title} (failed sessions: {timings.failures})", "| page | n | p50 s | p95 s | max s |"]
    lines.append("|---|---:|---:|---:|---:|")
    for name, values in timings.pages.items():
        if values:
            p50, p95 = percentile(values, 0.5) / 1000, percentile(values, 0.95) / 1000
            lines.append(f"| {name} | {len(values)} | {p50:.2f} | {p95:.2f} | {max(values) / 1000:.2f} |")
    return lines


def machine_note() -> str:
    load = subprocess.run(["/usr/bin/uptime"], capture_output=True, text=True, check=False).stdout.strip()
    return f"{os.cpu_count()} CPUs; uptime: {load}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30, help="simultaneous signed-in sessions (30)")
    parser.add_argument("--db", type=Path, help="a store to serve (default: the region demo, built once)")
    parser.add_argument("--rounds-per-session", type=int, default=2, help="loops per session (2)")
    parser.add_argument("--no-import", action="store_true", help="skip the phase with an import")
    args = parser.parse_args(argv)
    db, readers = prepare_store(args.db, args.sessions)
    files = None if args.no_import else import_exports(OUT / "import_exports")
    print(f"{dt.datetime.now():%Y-%m-%d %H:%M}, {machine_note()}")
    log = OUT / "streamlit.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with running_app(db, log, no_login=False) as url:
        started = time.perf_counter()
        quiet, _ = asyncio.run(phase(url, readers, args.rounds_per_session, None))
        print(f"\n{args.sessions} sessions, {time.perf_counter() - started:.0f} s")
        print("\n".join(table("without an import", quiet)))
        if files:
            started = time.perf_counter()
            busy, imports = asyncio.run(phase(url, readers, args.rounds_per_session, files))
            print(f"\n{args.sessions} sessions, {time.perf_counter() - started:.0f} s")
            print("\n".join(table("while the operator imports through «Загрузка»", busy)))
            shown = ", ".join(f"{s:.1f}" for s in imports)
            mean = f" (mean {statistics.mean(imports):.1f} s)" if imports else ""
            print(f"imports of {SCHOOLS} schools done meanwhile: {len(imports)}, s each: {shown}{mean}")
    print(f"\nafter: {machine_note()}")


if __name__ == "__main__":
    main()
