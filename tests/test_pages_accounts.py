"""Signing in to the app through AppTest: the form, refusals, a coordinator's fixed scope, expiry.

Unlike the other page tests these run without SAMODIAG_NO_LOGIN, on stores with accounts.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from analytics import accounts
from analytics.audit import read_audit
from analytics.db import open_store
from analytics.demo_db import build_demo_database
from tests.conftest import APP
from tests.test_pages import SPRING, VSEVOLOZHSK, build_store, texts

PASSWORD = "пароль-координатора"


def school_of(db: Path, *, inside: bool) -> tuple[str, str]:
    """(inn, municipality) of a spring school in Всеволожский район (inside) or elsewhere."""
    con = open_store(db)
    row = con.execute(
        "select inn, municipality from current_schools join rounds using (round_id)"
        " where rounds.name = ? and (municipality = ?) = ? order by inn limit 1",
        [SPRING, VSEVOLOZHSK, inside],
    ).fetchone()
    con.close()
    return row


@pytest.fixture(scope="module")
def accounts_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The worked examples with an operator, a Всеволожский coordinator and an observer."""
    db = build_store(tmp_path_factory.mktemp("accounts") / "accounts.duckdb")
    con = open_store(db)
    accounts.add_user(con, "test", "op", PASSWORD, "operator")
    accounts.add_user(con, "test", "vsev", PASSWORD, "coordinator", municipality=VSEVOLOZHSK)
    accounts.add_user(con, "test", "obs", PASSWORD, "observer")
    con.close()
    return db


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., AppTest]]:
    """app(db, **query) → the app's first run on `db` with sign-in required."""

    def run(db: Path, **query: str) -> AppTest:
        monkeypatch.setenv("SAMODIAG_DB", str(db))
        monkeypatch.delenv("SAMODIAG_NO_LOGIN", raising=False)
        at = AppTest.from_file(str(APP), default_timeout=120)
        at.query_params.update(query)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    st.cache_resource.clear()
    st.cache_data.clear()
    yield run
    st.cache_resource.clear()
    st.cache_data.clear()


def sign_in(at: AppTest, login: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key="access_login_field").input(login)
    at.text_input(key="access_password_field").input(password)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_store_without_accounts_serves_no_data_and_says_how_to_start(app, tmp_path: Path):
    at = app(build_store(tmp_path / "empty.duckdb", rounds=(SPRING,)))
    shown = texts(at)
    assert "В базе нет ни одной учётной записи" in shown
    assert "python -m analytics users add" in at.code[0].value
    assert not at.text_input
    assert "Обзор региона" not in shown


def test_sign_in_form_comes_first_and_refuses_a_wrong_password(app, accounts_db: Path):
    at = app(accounts_db)
    assert at.title[0].value == "Вход"
    assert [t.label for t in at.text_input] == ["Логин", "Пароль"]
    assert "Демонстрационный режим" not in texts(at)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/school.py")  # before signing in, the sign-in page is the only page
    sign_in(at, "op", "неверный-пароль")
    assert [e.value for e in at.error] == ["Неверный логин или пароль"]
    assert at.title[0].value == "Вход"
    assert not at.metric


def test_operator_signs_in_sees_the_region_and_signs_out(app, accounts_db: Path):
    at = sign_in(app(accounts_db), "op")
    assert at.title[0].value == "Обзор региона"
    assert "Вы вошли как op — региональный оператор" in texts(at)
    at.switch_page("pages/upload.py").run()
    assert at.title[0].value == "Загрузка"
    at.sidebar.button(key="access_sign_out").click().run()
    assert at.title[0].value == "Вход"
    con = open_store(accounts_db)
    assert read_audit(con, login="op")["action"].tolist()[-2:] == ["sign_in", "sign_out"]
    con.close()


def test_laptop_mode_is_an_explicit_setting_with_a_banner(open_app, accounts_db: Path):
    at = open_app(accounts_db, "region")  # the fixture sets SAMODIAG_NO_LOGIN=1
    assert at.title[0].value == "Обзор региона"
    assert "Однопользовательский режим без входа" in at.sidebar.warning[0].value


def test_coordinator_sees_only_their_municipality(app, accounts_db: Path):
    at = sign_in(app(accounts_db), "vsev")
    at.switch_page("pages/municipality.py").run()
    assert not at.exception
    chosen = at.sidebar.selectbox(key="shared_own_municipality")
    assert (chosen.value, chosen.options, chosen.disabled) == (VSEVOLOZHSK, [VSEVOLOZHSK], True)
    assert at.query_params["mun"] == VSEVOLOZHSK
    assert "Вы вошли как vsev — муниципальный координатор, " + VSEVOLOZHSK in texts(at)
    for page in ("municipality", "deficits", "credibility", "dynamics"):
        at.switch_page(f"pages/{page}.py").run()
        assert listed_municipalities(at) == {VSEVOLOZHSK}, page


def listed_municipalities(at: AppTest) -> set[str]:
    """Every municipality named in a table column «municipality» on the page."""
    named = set()
    for table in at.dataframe:
        value = getattr(table.value, "data", table.value)
        if "municipality" in value.columns:
            named |= set(value["municipality"])
    return named


def test_coordinator_tampered_mun_and_inn_are_refused(app, accounts_db: Path):
    other_inn, other = school_of(accounts_db, inside=False)
    own_inn, _ = school_of(accounts_db, inside=True)
    at = sign_in(app(accounts_db), "vsev")
    at.query_params["mun"] = other
    at.switch_page("pages/municipality.py").run()
    assert [e.value for e in at.error] == [
        f"Нет доступа к муниципалитету «{other}»: вам доступен только «{VSEVOLOZHSK}»"
    ]
    assert not at.metric
    at.query_params["mun"] = VSEVOLOZHSK
    at.query_params["inn"] = other_inn
    at.switch_page("pages/school.py").run()
    assert [e.value for e in at.error] == [
        f"Нет доступа к школе с ИНН {other_inn}: она не из муниципалитета «{VSEVOLOZHSK}»"
    ]
    assert not at.main.header
    at.query_params["inn"] = own_inn
    at.switch_page("pages/school.py").run()
    assert not at.error
    assert at.main.header[0].value


def test_coordinator_and_observer_have_no_upload_page(app, accounts_db: Path):
    for login in ("vsev", "obs"):
        at = sign_in(app(accounts_db), login)
        assert at.title[0].value == "Обзор региона"
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page("pages/upload.py")


def test_idle_session_expires(app, accounts_db: Path):
    at = sign_in(app(accounts_db), "obs")
    assert at.title[0].value == "Обзор региона"
    at.session_state["access_last_seen"] = dt.datetime.now() - dt.timedelta(minutes=31)
    at.run()
    assert at.title[0].value == "Вход"
    assert "Сеанс завершён: не было действий больше 30 минут" in texts(at)


def test_demo_store_names_its_accounts(app, tmp_path: Path):
    db = tmp_path / "demo.duckdb"
    build_demo_database(db, schools=20, rounds=1, seed=2)
    at = app(db)
    assert "Демонстрационный режим" in texts(at)
    listed = at.dataframe[0].value
    assert listed["Логин"].tolist() == ["demo-operator", "demo-coordinator", "demo-observer"]
    coordinator = listed.set_index("Логин").loc["demo-coordinator"]
    at = sign_in(at, "demo-coordinator", coordinator["Пароль"])
    assert at.title[0].value == "Обзор региона"
    assert at.sidebar.selectbox(key="shared_own_municipality").value == coordinator["Муниципалитет"]


def test_coordinator_zip_of_checklists_is_their_municipality(app, accounts_db: Path):
    at = sign_in(app(accounts_db), "vsev")
    at.switch_page("pages/municipality.py").run()
    at.radio(key="municipality_checklist_scope").set_value("все школы в таблице").run()
    at.button(key="municipality_checklists_prepare").click().run()
    assert not at.exception
    assert not at.error
    assert at.get("download_button")


def submit(at: AppTest, label: str) -> AppTest:
    """Click the form's submit button named `label` and run."""
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_operator_adds_a_coordinator_and_sees_it_in_the_audit_log(app, accounts_db: Path, tmp_path: Path):
    db = tmp_path / "own.duckdb"
    shutil.copy(accounts_db, db)
    at = sign_in(app(db), "op")
    at.switch_page("pages/accounts.py").run()
    assert at.title[0].value == "Учётные записи"
    assert set(at.dataframe[0].value["role_name"]) == set(accounts.ROLES.values())
    at.selectbox(key="accounts_new_role").set_value("coordinator").run()
    at.text_input(key="accounts_new_login").input("petrova")
    at.text_input(key="accounts_new_name").input("Петрова П. П.")
    at.selectbox(key="accounts_new_municipality").set_value(VSEVOLOZHSK)
    at.text_input(key="accounts_new_password").input(PASSWORD)
    at.text_input(key="accounts_new_password_again").input(PASSWORD + "x")
    submit(at, "Создать учётную запись")
    assert [e.value for e in at.error] == ["Пароли не совпадают — введите один и тот же пароль дважды"]
    at.text_input(key="accounts_new_login").input("petrova")
    at.selectbox(key="accounts_new_municipality").set_value(VSEVOLOZHSK)
    at.text_input(key="accounts_new_password").input(PASSWORD)
    at.text_input(key="accounts_new_password_again").input(PASSWORD)
    submit(at, "Создать учётную запись")
    assert [s.value for s in at.success] == ["Учётная запись «petrova» создана"]
    listed = at.dataframe[0].value.set_index("login")
    assert listed.loc["petrova", ["role_name", "municipality"]].tolist() == [
        "муниципальный координатор",
        VSEVOLOZHSK,
    ]
    at.text_input(key="accounts_audit_login").input("op").run()
    at.selectbox(key="accounts_audit_action").set_value("account_added").run()
    audit = at.dataframe[1].value
    assert audit["action_name"].tolist() == ["создана учётная запись"]
    assert '"login": "petrova"' in audit["details"].iloc[0]
    assert at.get("download_button")[0].proto.label == "Журнал (csv)"


def test_operator_resets_and_disables_on_the_page(app, accounts_db: Path, tmp_path: Path):
    db = tmp_path / "own.duckdb"
    shutil.copy(accounts_db, db)
    at = sign_in(app(db), "op")
    at.switch_page("pages/accounts.py").run()
    assert "op" not in at.selectbox(key="accounts_disable_login").options
    at.selectbox(key="accounts_reset_login").set_value("obs")
    at.text_input(key="accounts_reset_password").input("новый-пароль-наблюдателя")
    at.text_input(key="accounts_reset_password_again").input("новый-пароль-наблюдателя")
    submit(at, "Сменить пароль")
    assert [s.value for s in at.success] == ["Пароль «obs» сменён, блокировка снята"]
    at.selectbox(key="accounts_disable_login").set_value("vsev")
    at.checkbox(key="accounts_disable_sure").check().run()
    at.button(key="accounts_disable").click().run()
    assert [s.value for s in at.success] == ["Учётная запись «vsev» отключена"]
    assert at.dataframe[0].value.set_index("login").loc["vsev", "disabled"]
    con = open_store(db)
    assert read_audit(con, login="op")["action"].tolist()[-2:] == ["password_reset", "account_disabled"]
    con.close()


def test_coordinator_and_observer_cannot_open_the_accounts_page(app, accounts_db: Path, monkeypatch):
    for login in ("vsev", "obs"):
        at = sign_in(app(accounts_db), login)
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page("pages/accounts.py")
        # The page's own script run directly (a URL that bypassed the navigation) refuses them too.
        direct = AppTest.from_file(str(APP.parent / "pages" / "accounts.py"), default_timeout=120)
        direct.session_state["access_login"] = login
        direct.run()
        assert not direct.exception, [e.value for e in direct.exception]
        assert [e.value for e in direct.error] == [
            f"Эта страница доступна только региональному оператору, вы — {accounts.ROLES[sign_role(login)]}"
        ]
        assert not direct.dataframe


def sign_role(login: str) -> str:
    return {"vsev": "coordinator", "obs": "observer"}[login]
