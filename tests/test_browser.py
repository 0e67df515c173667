"""The coordinator's path in a real browser: a Streamlit server on its own store, driven by Chromium.

The store is a small demo region built by the real importer; what the pages must show (the
first school of the support list, its level, a shared deficit) is read from that store through
`analytics`, so the test checks the page against the engine, not against numbers typed in here.
The second test saves a full-page screenshot of every page: into docs/screenshots/ only when
SAMODIAG_SCREENSHOTS=1 (`make screenshots`), otherwise into a temporary folder.
"""

from __future__ import annotations

import datetime as dt
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from analytics import views
from analytics.db import open_store
from analytics.deficits import deficit_frequency, pooled_deficit_frequency
from analytics.demo_db import build_demo_database
from analytics.plans import draft_plan
from analytics.rounds import list_rounds
from benchmarks.app_server import CHROMIUM, CHROMIUM_ARGS, DRAWN, running_app

pytestmark = pytest.mark.browser

PROJECT = Path(__file__).resolve().parents[1]
SCREENSHOTS = PROJECT / "docs" / "screenshots"
SCREENSHOTS_ENV = "SAMODIAG_SCREENSHOTS"
"""Set to 1 to rewrite the tracked screenshots in docs/screenshots/."""
PAGE_TIMEOUT_MS = 60_000
VIEWPORT = {"width": 1400, "height": 900}


@dataclass(frozen=True)
class Expected:
    """What the pages must show, read from the test's store through analytics."""

    round_name: str
    school_inn: str
    school_name: str
    school_level: str
    municipality: str
    count_municipality_schools: int
    count_below_basic: int
    deficit_key: str
    deficit_label: str
    count_deficit_schools: int
    round_date: dt.date
    count_draft_measures: int


def read_expected(db: Path) -> Expected:
    con = open_store(db)
    try:
        rnd = list_rounds(con)[-1]
        school = views.support_list(con, rnd).iloc[0]
        frequency = pooled_deficit_frequency(deficit_frequency(con, rnd, school["municipality"]))
        choices = views.deficit_choices(frequency)
        key = next(iter(choices))
        return Expected(
            round_name=rnd.name,
            school_inn=school["inn"],
            school_name=school["name"],
            school_level=school["level"],
            municipality=school["municipality"],
            count_municipality_schools=len(views.round_schools(con, rnd, school["municipality"])),
            count_below_basic=int(
                views.level_counts(con, rnd)
                .query("scope == 'total' and level_rank == 0")["count_schools"]
                .iloc[0]
            ),
            deficit_key=key,
            deficit_label=choices[key],
            count_deficit_schools=len(
                views.schools_with_deficit(con, rnd, indicators=key, municipality=school["municipality"])
            ),
            round_date=rnd.date,
            count_draft_measures=len(draft_plan(con, rnd, school["inn"])),
        )
    finally:
        con.close()


@dataclass(frozen=True)
class Server:
    url: str
    expected: Expected
    log: Path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`streamlit run app.py` on a 150-school demo store; logs go to a file, not a pipe."""
    folder = tmp_path_factory.mktemp("browser")
    db = folder / "demo.duckdb"
    build_demo_database(db, schools=150, rounds=2, seed=7)
    expected = read_expected(db)
    log = folder / "streamlit.log"
    # Single-user mode: these tests check the pages; tests/test_browser_roles.py signs in.
    with running_app(db, log, no_login=True) as url:
        yield Server(url, expected, log)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, server: Server) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT, locale="ru-RU")
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


def settle(page: Page) -> None:
    """Wait until no script run is in progress and every chart and table is drawn."""
    page.get_by_test_id("stApp").wait_for()
    page.wait_for_timeout(500)
    page.wait_for_function(DRAWN)
    page.wait_for_timeout(500)


def metric_value(page: Page, label: str) -> str:
    metric = page.get_by_test_id("stMetric").filter(has=page.get_by_text(label, exact=True))
    return metric.get_by_test_id("stMetricValue").inner_text()


def test_coordinator_goes_from_region_to_a_school_and_its_deficits(page: Page, server: Server):
    """Overview → municipality → school → shared deficit, each step showing the engine's figures."""
    expected = server.expected
    page.goto(server.url)
    settle(page)
    expect(page.get_by_role("heading", name="Обзор региона")).to_be_visible()
    expect(page.get_by_text(f"Раунд «{expected.round_name}»").first).to_be_visible()
    assert metric_value(page, "ниже базового") == str(expected.count_below_basic)
    support_link = page.get_by_test_id("stPageLink").filter(has_text=f". {expected.school_name} — ").first
    expect(support_link).to_be_visible()

    page.get_by_test_id("stSidebarNav").get_by_text("Муниципалитет", exact=True).click()
    settle(page)
    page.get_by_role("link", name=f"{expected.municipality} — школ:").first.click()
    settle(page)
    assert metric_value(page, "Школ") == str(expected.count_municipality_schools)
    expect(page.get_by_text(expected.municipality).first).to_be_visible()
    assert parse_qs(urlparse(page.url).query)["mun"] == [expected.municipality]

    page.goto(server.url)
    settle(page)
    school = page
    open_school_from_support_list(school, expected.school_name)
    assert parse_qs(urlparse(school.url).query)["inn"] == [expected.school_inn]
    expect(school.get_by_role("heading", name=expected.school_name)).to_be_visible()
    assert metric_value(school, "Общий уровень") == expected.school_level
    expect(school.get_by_role("heading", name="Дефициты — сначала самые важные")).to_be_visible()
    expect(school.get_by_role("button", name="Чек-лист дефицитов (xlsx)")).to_be_visible()
    with school.expect_download() as download:
        school.get_by_role("button", name="Чек-лист дефицитов (xlsx)").click()
    assert download.value.suggested_filename.endswith("— чек-лист.xlsx")

    school.get_by_test_id("stSidebarNav").get_by_text("Дефициты", exact=True).click()
    settle(school)
    expect(school.get_by_role("combobox", name="Показатель")).to_have_value(expected.deficit_label)
    expect(school.get_by_role("heading", name="Какие школы делят дефицит")).to_be_visible()


def test_coordinator_takes_a_schools_interview_pack(page: Page, server: Server, tmp_path: Path):
    """On «Школа»: the mentor rule is stated, and the pack downloads as one folder with the agenda
    and the checklist in both formats."""
    expected = server.expected
    page.goto(f"{server.url}/school?{urlencode({'inn': expected.school_inn})}")
    settle(page)
    page.get_by_role("heading", name="Кто может помочь: школы-наставники").wait_for()
    expect(page.get_by_text("Наставник по направлению — школа той же формы")).to_be_visible()
    button = page.get_by_role("button", name="Пакет к собеседованию (zip)")
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename.endswith("— пакет к собеседованию.zip")
    saved = tmp_path / "pack.zip"
    download.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        names = archive.namelist()
    assert len({name.split("/")[0] for name in names}) == 1
    assert sorted(name.rsplit(".", 1)[1] for name in names) == ["docx", "docx", "xlsx"]
    assert all(name.split("/")[1].startswith(expected.school_inn) for name in names)


SAME_DOCUMENT = "() => window.sameDocumentMarker === true"
"""True while the browser shows the document the test marked: no reload, no new tab happened."""


def mark_document(page: Page) -> None:
    page.evaluate("() => { window.sameDocumentMarker = true; }")


def open_school_from_support_list(page: Page, school_name: str) -> None:
    """Click the school's line in «Кому помочь в первую очередь» and wait for «Школа» to draw."""
    page.get_by_test_id("stPageLink").filter(has_text=f". {school_name} — ").first.click()
    page.wait_for_url("**/school?**")
    settle(page)


def click_first_row(page: Page, table: str) -> None:
    """Select the first row of the dataframe matched by the `table` selector, by its row marker (the
    grid is a canvas: the marker sits left of the first row, under a 35 px header)."""
    grid = page.locator(table).first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)


def test_a_school_opens_in_the_same_tab_from_a_link_and_from_a_table_row(page: Page, server: Server):
    """The support list's link and a row of the municipality table open «Школа» in this tab: the
    same page object and document (no reload, no new tab), the URL now naming the school."""
    expected = server.expected
    page.goto(server.url)
    settle(page)
    mark_document(page)
    open_school_from_support_list(page, expected.school_name)
    assert page.evaluate(SAME_DOCUMENT)
    assert page.context.pages == [page]
    query = parse_qs(urlparse(page.url).query)
    assert query["inn"] == [expected.school_inn]
    assert query["round"] == [expected.round_name]
    expect(page.get_by_role("heading", name=expected.school_name)).to_be_visible()

    page.get_by_test_id("stSidebarNav").get_by_text("Муниципалитет", exact=True).click()
    settle(page)
    assert page.evaluate(SAME_DOCUMENT)
    expect(page.get_by_role("heading", name="Таблица школ")).to_be_visible()
    click_first_row(page, '[data-testid="stDataFrame"]:below(:text("Таблица школ"))')
    page.wait_for_url("**/school?**")
    settle(page)
    assert page.evaluate(SAME_DOCUMENT)
    assert page.context.pages == [page]
    assert parse_qs(urlparse(page.url).query)["mun"] == [expected.municipality]
    expect(page.get_by_role("heading", name="Школа", exact=True)).to_be_visible()
    assert metric_value(page, "Общий уровень")


def test_coordinator_records_an_interview_and_a_plan_and_sees_it_on_plans(page: Page, server: Server):
    """On «Школа» the interview is recorded, the draft plan saved with one responsible and due date
    for every row; «Исполнение планов» then counts the school's measures."""
    expected = server.expected
    page.goto(f"{server.url}/school?{urlencode({'inn': expected.school_inn})}")
    settle(page)
    page.get_by_text("Новое собеседование", exact=True).click()
    page.get_by_label("Участники").fill("Директор, заместитель директора, координатор")
    page.get_by_label("Выводы").fill("Дефициты подтверждены, план согласован")
    page.get_by_role("button", name="Записать собеседование").click()
    settle(page)
    expect(page.get_by_text("Собеседование записано")).to_be_visible()

    page.get_by_label("Ответственный — для строк, где он не указан").fill("Заместитель директора")
    page.get_by_role("spinbutton", name="day, Срок — для строк, где он не указан").click()
    page.keyboard.type(f"{expected.round_date + dt.timedelta(days=120):%d%m%Y}")  # day, month, year
    page.keyboard.press("Tab")
    page.get_by_role("button", name="Сохранить план").click()
    settle(page)
    expect(page.get_by_text(f"План сохранён: мер новых — {expected.count_draft_measures}")).to_be_visible()

    page.get_by_test_id("stSidebarNav").get_by_text("Исполнение планов", exact=True).click()
    settle(page)
    expect(page.get_by_role("heading", name="Меры по статусам")).to_be_visible()
    assert metric_value(page, "Мер в планах") == str(expected.count_draft_measures)
    assert metric_value(page, "Школ с планом") == "1"


PAGE_PATHS = {
    "region": "/",
    "municipality": "/municipality",
    "school": "/school",
    "deficits": "/deficits",
    "dynamics": "/dynamics",
    "credibility": "/credibility",
    "plans": "/plans",
    "upload": "/upload",
}


def test_screenshots_of_every_page(page: Page, server: Server, tmp_path: Path):
    """A full-page screenshot of each page (with the overview's first municipality and school)."""
    expected = server.expected
    query = {
        "municipality": {"mun": expected.municipality},
        "school": {"inn": expected.school_inn},
        "deficits": {"mun": expected.municipality},
    }
    folder = SCREENSHOTS if os.environ.get(SCREENSHOTS_ENV) == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    for name, path in PAGE_PATHS.items():
        params = f"?{urlencode(query[name])}" if name in query else ""
        page.set_viewport_size(VIEWPORT)
        page.goto(f"{server.url}{path}{params}")
        settle(page)
        assert not page.get_by_test_id("stException").count(), (
            f"{name}: {server.log.read_text(encoding='utf-8')}"
        )
        height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
        page.set_viewport_size({"width": VIEWPORT["width"], "height": min(height + 40, 16_000)})
        page.wait_for_timeout(1000)
        page.wait_for_function(DRAWN)
        page.wait_for_timeout(1000)
        target = folder / f"{name}.png"
        page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 20_000
