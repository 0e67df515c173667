"""Each role in a real browser, signed in on the demo store's own accounts (no single-user mode).

The server runs without SAMODIAG_NO_LOGIN on a small demo store, which creates demo-operator,
demo-coordinator (the first municipality) and demo-observer; the test reads their passwords and
the coordinator's municipality through `analytics.accounts`, as the login page lists them. A
browser reload starts a new Streamlit session, so a tampered `?mun=` is opened the way a shared
or edited link is: before signing in, and the refusal comes after.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from analytics.accounts import COORDINATOR, OBSERVER, OPERATOR, DemoAccount, demo_accounts
from analytics.db import open_store
from analytics.demo_db import build_demo_database
from analytics.views import municipalities
from benchmarks.app_server import CHROMIUM, CHROMIUM_ARGS, running_app
from tests.test_browser import PAGE_TIMEOUT_MS, VIEWPORT, settle

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class RolesServer:
    url: str
    accounts: dict[str, DemoAccount]
    own: str
    other: str
    log: Path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RolesServer]:
    """`streamlit run app.py` with sign-in required, on a 60-school demo store."""
    folder = tmp_path_factory.mktemp("browser_roles")
    db = folder / "demo.duckdb"
    build_demo_database(db, schools=60, rounds=1, seed=3)
    con = open_store(db)
    listed = demo_accounts(con)
    known = municipalities(con)
    con.close()
    own = next(municipality for account, municipality in listed if account.role == COORDINATOR)
    other = next(name for name in known if name != own)
    log = folder / "streamlit.log"
    with running_app(db, log, no_login=False) as url:
        yield RolesServer(url, {account.role: account for account, _ in listed}, own, other, log)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, server: RolesServer) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT, locale="ru-RU")
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


def sign_in(page: Page, account: DemoAccount) -> None:
    """Fill the Russian sign-in form and wait for the first page to draw."""
    settle(page)
    expect(page.get_by_role("heading", name="Вход")).to_be_visible()
    page.get_by_label("Логин").fill(account.login)
    page.get_by_label("Пароль").fill(account.password)
    page.get_by_role("button", name="Войти").click()
    page.get_by_text(f"Вы вошли как {account.login}").wait_for()
    settle(page)


def nav_titles(page: Page) -> list[str]:
    return [link.inner_text().strip() for link in page.get_by_test_id("stSidebarNavLink").all()]


def test_coordinator_sees_only_their_municipality(page: Page, server: RolesServer):
    page.goto(server.url)
    sign_in(page, server.accounts[COORDINATOR])
    expect(page.get_by_role("heading", name="Обзор региона")).to_be_visible()
    sidebar = page.get_by_test_id("stSidebar")
    chosen = sidebar.get_by_role("combobox", name="Муниципалитет")
    expect(chosen).to_have_value(server.own)
    expect(chosen).to_be_disabled()
    assert "Загрузка" not in nav_titles(page)
    assert "Учётные записи" not in nav_titles(page)
    sidebar.get_by_test_id("stSidebarNav").get_by_text("Муниципалитет", exact=True).click()
    settle(page)
    assert parse_qs(urlparse(page.url).query)["mun"] == [server.own]
    expect(page.get_by_text(server.other)).to_have_count(0)


def test_coordinator_is_refused_another_municipality_in_the_url(page: Page, server: RolesServer):
    page.goto(f"{server.url}/?{urlencode({'mun': server.other})}")
    sign_in(page, server.accounts[COORDINATOR])
    refusal = f"Нет доступа к муниципалитету «{server.other}»: вам доступен только «{server.own}»"
    expect(page.get_by_test_id("stAlert").filter(has_text=refusal)).to_be_visible()
    assert not page.get_by_test_id("stMetric").count()
    assert not page.get_by_test_id("stDataFrame").count()


def test_operator_sees_upload_and_accounts(page: Page, server: RolesServer):
    page.goto(server.url)
    sign_in(page, server.accounts[OPERATOR])
    titles = nav_titles(page)
    assert "Загрузка" in titles
    assert "Учётные записи" in titles
    page.get_by_test_id("stSidebarNav").get_by_text("Учётные записи", exact=True).click()
    settle(page)
    expect(page.get_by_role("heading", name="Учётные записи")).to_be_visible()
    expect(page.get_by_role("heading", name="Журнал действий")).to_be_visible()
    assert not page.get_by_test_id("stException").count(), server.log.read_text(encoding="utf-8")


def test_observer_reads_the_region_without_upload_or_accounts(page: Page, server: RolesServer):
    page.goto(server.url)
    sign_in(page, server.accounts[OBSERVER])
    expect(page.get_by_role("heading", name="Обзор региона")).to_be_visible()
    titles = nav_titles(page)
    assert "Загрузка" not in titles
    assert "Учётные записи" not in titles
