"""Accounts, scope and the audit log at the engine level: what each role may read and change."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from analytics import accounts
from analytics.accounts import AccessDenied, Scope, SignInRefused
from analytics.audit import read_audit
from analytics.db import open_store
from analytics.errors import NotFound, SamodiagError
from analytics.loading import Upload, import_uploads, withdraw_import
from analytics.rounds import get_round
from analytics.store_info import list_imports
from tests.conftest import SchoolSpec, write_long_csv

KIROVSK, PRIOZERSK = "Кировский муниципальный район", "Приозерский муниципальный район"
KIROVSK_INN, PRIOZERSK_INN = "4706000001", "4712000001"
PASSWORD = "correct horse battery"
NOW = dt.datetime(2026, 3, 2, 9, 0)
ROUND = "Весна 2026"


def import_two_municipalities(con: duckdb.DuckDBPyConnection, rubric, folder: Path, **kwargs) -> None:
    """One school in each of two municipalities, imported into ROUND."""
    schools = [
        SchoolSpec(KIROVSK_INN, municipality=KIROVSK),
        SchoolSpec(PRIOZERSK_INN, municipality=PRIOZERSK),
    ]
    export = write_long_csv(folder / "spring.csv", rubric, schools)
    import_uploads(con, [Upload.from_path(export)], ROUND, **kwargs)


@pytest.fixture
def store(con: duckdb.DuckDBPyConnection, rubric, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """Two municipalities' schools and one account per role."""
    import_two_municipalities(con, rubric, tmp_path)
    accounts.add_user(con, "cli:admin", "op", PASSWORD, "operator", display_name="Оператор")
    accounts.add_user(con, "cli:admin", "kir", PASSWORD, "coordinator", municipality=KIROVSK)
    accounts.add_user(con, "cli:admin", "obs", PASSWORD, "observer")
    return con


def actions(con: duckdb.DuckDBPyConnection, **filters: str) -> list[str]:
    return read_audit(con, **filters)["action"].tolist()


class TestPasswords:
    def test_store_file_holds_the_hash_not_the_password(self, tmp_path: Path):
        path = tmp_path / "secret.duckdb"
        con = open_store(path)
        secret = "очень-секретный-пароль-42"
        accounts.add_user(con, "cli", "op", secret, "operator", display_name="видимое-имя")
        accounts.reset_password(con, "cli", "op", secret + "!")
        con.execute("checkpoint")
        con.close()
        stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("secret"))
        assert "видимое-имя".encode() in stored  # text is stored readably: the search below means something
        assert secret.encode() not in stored
        assert "очень".encode() not in stored
        check = open_store(path)
        assert check.execute("select password_hash from accounts").fetchone()[0].startswith("$argon2id$")
        check.close()

    def test_listing_and_audit_never_show_a_password_or_hash(self, store):
        assert "password_hash" not in accounts.list_users(store).columns
        logged = read_audit(store).to_string()
        assert PASSWORD not in logged
        assert "argon2" not in logged

    def test_short_password_is_refused(self, store):
        with pytest.raises(SamodiagError, match="короче 10 символов"):
            accounts.add_user(store, "cli", "short", "123456789", "observer")
        with pytest.raises(SamodiagError, match="короче 10 символов"):
            accounts.reset_password(store, "cli", "obs", "123")
        assert "short" not in accounts.list_users(store)["login"].tolist()

    def test_rules_file_is_read_strictly(self, tmp_path: Path):
        rules = accounts.account_rules()
        assert (rules.min_password_length, rules.max_failed_attempts) == (10, 5)
        assert (rules.lockout_minutes, rules.idle_minutes) == (15, 30)
        broken = tmp_path / "accounts.csv"
        broken.write_text("parameter,value,meaning\nmin_password_length,ten,x\n", encoding="utf-8")
        with pytest.raises(SamodiagError, match="строка 2"):
            accounts.account_rules(broken)


class TestAccounts:
    def test_coordinator_needs_a_known_municipality(self, store):
        with pytest.raises(SamodiagError, match="укажите муниципалитет"):
            accounts.add_user(store, "cli", "c1", PASSWORD, "coordinator")
        with pytest.raises(SamodiagError, match="не найден"):
            accounts.add_user(store, "cli", "c1", PASSWORD, "coordinator", municipality="Атлантида")
        with pytest.raises(SamodiagError, match="только для координатора"):
            accounts.add_user(store, "cli", "o2", PASSWORD, "observer", municipality=KIROVSK)

    def test_bad_login_role_and_duplicates_are_refused(self, store):
        with pytest.raises(SamodiagError, match="логин"):
            accounts.add_user(store, "cli", "имя", PASSWORD, "observer")
        with pytest.raises(SamodiagError, match="роль «admin» неизвестна"):
            accounts.add_user(store, "cli", "x1", PASSWORD, "admin")
        with pytest.raises(SamodiagError, match="уже есть"):
            accounts.add_user(store, "cli", "op", PASSWORD, "observer")
        with pytest.raises(NotFound):
            accounts.disable_user(store, "cli", "nobody")

    def test_only_the_operator_manages_accounts(self, store):
        coordinator = Scope.for_coordinator("kir", KIROVSK)
        with pytest.raises(AccessDenied, match="только региональному оператору"):
            accounts.add_user(store, coordinator, "x1", PASSWORD, "observer")
        with pytest.raises(AccessDenied):
            accounts.disable_user(store, Scope.for_observer("obs"), "op")
        accounts.disable_user(store, Scope.for_region_operator("op"), "obs")
        assert accounts.account_scope(store, "obs") is None

    def test_the_page_functions_refuse_every_non_operator(self, store):
        """The accounts page's calls, made with a coordinator's or an observer's scope, are refused
        by the engine: reading the list or the log, adding, resetting, disabling."""
        operator = Scope.for_region_operator("op")
        for scope in (Scope.for_coordinator("kir", KIROVSK), Scope.for_observer("obs")):
            with pytest.raises(AccessDenied):
                accounts.accounts_overview(store, scope)
            with pytest.raises(AccessDenied):
                accounts.audit_entries(store, scope)
            with pytest.raises(AccessDenied):
                accounts.add_user(store, scope, "x1", PASSWORD, "observer")
            with pytest.raises(AccessDenied):
                accounts.reset_password(store, scope, "op", PASSWORD + "2")
            with pytest.raises(AccessDenied):
                accounts.disable_user(store, scope, "op")
        assert accounts.account_scope(store, "op") == operator
        overview = accounts.accounts_overview(store, operator)
        assert overview.set_index("login").loc["kir", "role_name"] == "муниципальный координатор"
        assert accounts.enabled_others(overview, operator) == ["kir", "obs"]

    def test_the_operator_cannot_disable_their_own_account(self, store):
        with pytest.raises(SamodiagError, match="свою учётную запись"):
            accounts.disable_user(store, Scope.for_region_operator("op"), "op")
        assert accounts.account_scope(store, "op") is not None

    def test_audit_days_are_whole_and_inclusive(self, store):
        operator = Scope.for_region_operator("op")
        accounts.reset_password(store, operator, "obs", PASSWORD + "2", now=dt.datetime(2026, 3, 1, 23, 59))
        accounts.disable_user(store, operator, "kir", now=dt.datetime(2026, 3, 2, 0, 0))
        day = dt.date(2026, 3, 1)
        one_day = accounts.audit_entries(store, operator, first_day=day, last_day=day)
        assert one_day["action_name"].tolist() == ["сменён пароль"]
        later = accounts.audit_entries(store, operator, first_day=day + dt.timedelta(days=1), login="op")
        assert later["action"].tolist() == ["account_disabled"]
        added = accounts.audit_entries(store, operator, action="account_added")
        assert len(added) == 3

    def test_every_account_change_is_audited(self, store):
        accounts.reset_password(store, "cli:admin", "kir", PASSWORD + "2")
        accounts.disable_user(store, "cli:admin", "kir")
        log = read_audit(store, login="cli:admin")
        assert log["action"].tolist() == [
            "account_added", "account_added", "account_added", "password_reset", "account_disabled"
        ]
        added = {"login": "kir", "municipality": KIROVSK, "role": "coordinator"}
        assert json.loads(log["details"].iloc[1]) == added
        assert json.loads(log["details"].iloc[-1]) == {"login": "kir"}


class TestSignIn:
    def test_right_password_gives_the_scope(self, store):
        assert accounts.authenticate(store, "kir", PASSWORD, NOW) == Scope.for_coordinator("kir", KIROVSK)
        assert accounts.authenticate(store, "op", PASSWORD, NOW) == Scope.for_region_operator("op")
        assert actions(store, login="kir") == ["sign_in"]

    def test_wrong_password_and_unknown_login_read_the_same(self, store):
        for login in ("op", "nobody"):
            with pytest.raises(SignInRefused, match=r"^Неверный логин или пароль$"):
                accounts.authenticate(store, login, "wrong password", NOW)
        refused = read_audit(store, action="sign_in_refused")
        assert refused["login"].tolist() == ["op", "nobody"]
        assert [json.loads(d)["reason"] for d in refused["details"]] == ["wrong_password", "unknown_login"]

    def test_lockout_after_five_failures_and_its_expiry(self, store):
        for _ in range(5):
            with pytest.raises(SignInRefused, match="Неверный"):
                accounts.authenticate(store, "kir", "wrong password", NOW)
        # Locked: even the right password is refused, and not checked, for 15 minutes.
        with pytest.raises(SignInRefused, match="заблокирован до 09:15"):
            accounts.authenticate(store, "kir", PASSWORD, NOW + dt.timedelta(minutes=14, seconds=59))
        assert accounts.authenticate(store, "kir", PASSWORD, NOW + dt.timedelta(minutes=15)).login == "kir"
        user = accounts.list_users(store).set_index("login").loc["kir"]
        assert user["failed_attempts"] == 0

    def test_a_success_resets_the_count(self, store):
        for _ in range(4):
            with pytest.raises(SignInRefused):
                accounts.authenticate(store, "obs", "wrong password", NOW)
        accounts.authenticate(store, "obs", PASSWORD, NOW)
        for _ in range(4):
            with pytest.raises(SignInRefused, match="Неверный"):
                accounts.authenticate(store, "obs", "wrong password", NOW)
        assert accounts.authenticate(store, "obs", PASSWORD, NOW).login == "obs"

    def test_reset_password_lifts_a_lockout(self, store):
        for _ in range(5):
            with pytest.raises(SignInRefused):
                accounts.authenticate(store, "obs", "wrong password", NOW)
        accounts.reset_password(store, "cli", "obs", "a brand new password")
        assert accounts.authenticate(store, "obs", "a brand new password", NOW).login == "obs"

    def test_disabled_account_cannot_sign_in(self, store):
        accounts.disable_user(store, "cli", "obs")
        with pytest.raises(SignInRefused, match="отключена"):
            accounts.authenticate(store, "obs", PASSWORD, NOW)
        with pytest.raises(SignInRefused, match=r"^Неверный логин или пароль$"):
            accounts.authenticate(store, "obs", "wrong password", NOW)


class TestScope:
    def test_region_roles_read_what_they_ask_for(self):
        for scope in (Scope.for_region_operator("op"), Scope.for_observer("obs")):
            assert accounts.resolve_municipality(scope, None) is None
            assert accounts.resolve_municipality(scope, PRIOZERSK) == PRIOZERSK

    def test_coordinator_is_narrowed_to_own_and_refused_another(self):
        scope = Scope.for_coordinator("kir", KIROVSK)
        assert accounts.resolve_municipality(scope, None) == KIROVSK
        assert accounts.resolve_municipality(scope, KIROVSK) == KIROVSK
        with pytest.raises(AccessDenied, match=f"Нет доступа к муниципалитету «{PRIOZERSK}»"):
            accounts.resolve_municipality(scope, PRIOZERSK)

    def test_coordinator_never_reads_another_municipality_school(self, store):
        rnd = get_round(store, ROUND)
        scope = Scope.for_coordinator("kir", KIROVSK)
        accounts.check_school_in_scope(store, scope, rnd, KIROVSK_INN)
        for inn in (PRIOZERSK_INN, "0000000000"):
            with pytest.raises(AccessDenied, match=f"Нет доступа к школе с ИНН {inn}"):
                accounts.check_school_in_scope(store, scope, rnd, inn)
        accounts.check_school_in_scope(store, Scope.for_observer("obs"), rnd, PRIOZERSK_INN)

    def test_a_coordinator_zip_may_hold_only_their_schools(self, store):
        rnd = get_round(store, ROUND)
        scope = Scope.for_coordinator("kir", KIROVSK)
        accounts.check_schools_in_scope(store, scope, rnd, [KIROVSK_INN])
        with pytest.raises(AccessDenied, match=f"не из муниципалитета «{KIROVSK}»: ИНН {PRIOZERSK_INN}$"):
            accounts.check_schools_in_scope(store, scope, rnd, [KIROVSK_INN, PRIOZERSK_INN])
        accounts.check_schools_in_scope(store, Scope.for_region_operator("op"), rnd, [PRIOZERSK_INN])


class TestImportsNameTheActor:
    def test_import_and_withdrawal_are_logged_with_the_actor(self, con, rubric, tmp_path: Path):
        import_two_municipalities(con, rubric, tmp_path, actor="cli:ivanova")
        log = list_imports(con)
        assert log["imported_by"].tolist() == ["cli:ivanova"]
        withdraw_import(con, int(log["import_id"].iloc[0]), actor=Scope.for_region_operator("op"))
        entries = read_audit(con)
        assert entries["action"].tolist() == ["import", "withdrawal"]
        assert entries["login"].tolist() == ["cli:ivanova", "op"]

    def test_callers_without_an_actor_still_import(self, store):
        assert list_imports(store)["imported_by"].isna().all()

    def test_coordinator_and_observer_may_not_import_or_withdraw(self, store, rubric, tmp_path: Path):
        import_id = int(list_imports(store)["import_id"].iloc[0])
        for scope in (Scope.for_coordinator("kir", KIROVSK), Scope.for_observer("obs")):
            with pytest.raises(AccessDenied, match="только региональному оператору"):
                import_two_municipalities(store, rubric, tmp_path, actor=scope)
            with pytest.raises(AccessDenied):
                withdraw_import(store, import_id, actor=scope)
        assert len(list_imports(store)) == 1
        assert list_imports(store)["withdrawn_at"].isna().all()
