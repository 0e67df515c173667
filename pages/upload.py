"""«Загрузка»: check export files, see every problem before anything is written, then import."""

import streamlit as st

from analytics import views
from analytics.errors import SamodiagError, problem_count
from analytics.isolation import plan_import_isolated
from analytics.loading import Upload, commit_import, plan_import, withdraw_import
from analytics.roster import import_roster
from analytics.rounds import empty_rounds, list_rounds, remove_empty_round
from analytics.store_info import list_imports
from pages._shared import plain, require_operator_page, select_round_next_run, start_page, write_store

DONE_KEY = "upload_done"


def report_done(message: str) -> None:
    """Show the outcome after a rerun, so the filters and the header already see the new data."""
    st.session_state[DONE_KEY] = message
    st.rerun()


con, _, _ = start_page("Загрузка", needs_round=False)
scope = require_operator_page()  # hidden from others' navigation; the engine refuses them as well
if done := st.session_state.pop(DONE_KEY, None):
    st.success(done)

st.subheader("Выгрузка самодиагностики")
files = st.file_uploader(
    "Файлы выгрузки портала (xlsx, csv или zip с ними)",
    type=["xlsx", "csv", "zip"],
    accept_multiple_files=True,
    key="upload_files",
)
NEW_ROUND = "новый раунд…"
round_choice = st.selectbox(
    "Раунд", [NEW_ROUND, *(r.name for r in reversed(list_rounds(con)))], key="upload_round"
)
methodology = date = None
if round_choice == NEW_ROUND:
    name_column, method_column, date_column = st.columns([2, 1, 1])
    round_name = name_column.text_input(
        "Название нового раунда", placeholder="например, «Осень 2026»", key="upload_new_round"
    ).strip()
    methodology = method_column.selectbox(
        "Методика (необязательно)",
        views.methodology_versions(con),
        index=None,
        placeholder="по умолчанию",
        key="upload_methodology",
    )
    date = date_column.date_input(
        "Дата (для «Весна/Осень ГГГГ» не нужна)", value=None, format="DD.MM.YYYY", key="upload_date"
    )
else:
    round_name = round_choice

uploads = [Upload(f.name, f.getvalue()) for f in files or []]
request = (tuple(u.sha256 for u in uploads), round_name, methodology, date)
if st.button("Проверить файлы", disabled=not (uploads and round_name), key="upload_check"):
    try:
        st.session_state["upload_plan"] = (
            request,
            plan_import_isolated(con, uploads, round_name, methodology=methodology, date=date),
        )
    except SamodiagError as error:
        st.session_state.pop("upload_plan", None)
        st.error(str(error))

checked = st.session_state.get("upload_plan")
plan = checked[1] if checked and checked[0] == request else None
if plan is not None:
    round_title = plain(f"«{plan.round.name}» (методика {plan.round.methodology})")
    st.markdown(f"**Проверка загрузки в раунд {round_title}** — пока ничего не записано")
    for name in plan.already_loaded:
        st.info(plain(f"Файл «{name}» уже загружен в этот раунд — будет пропущен"))
    for note in plan.notes:
        st.warning(plain(note))
    if not plan.is_valid:
        st.error(f"Найдено проблем: {problem_count(plan.problems)}. Исправьте файлы и проверьте снова.")
        st.dataframe(
            views.problems_frame(plan.problems),
            hide_index=True,
            column_config={
                "file": "Файл",
                "sheet": "Лист",
                "row": "Строка",
                "column": "Столбец",
                "message": st.column_config.TextColumn("Проблема", width="large"),
            },
            key="upload_problems_table",
        )
    elif plan.files:
        new_column, replaced_column, unchanged_column = st.columns(3)
        new_column.metric("Новых школ", plan.new_count)
        replaced_column.metric("Заменят ответы", plan.replaced_count)
        unchanged_column.metric("Без изменений", plan.unchanged_count)
        st.dataframe(
            views.plan_files_frame(plan),
            hide_index=True,
            column_config={"file": "Файл", "layouts": "Формат", "schools": "Школ", "rows": "Строк"},
            key="upload_files_table",
        )
        if st.button("Загрузить в базу", type="primary", key="upload_commit"):
            bar = st.progress(0.0, text="Загрузка…")
            try:
                # Planned again under the write lock: another import may have landed since the check.
                report = write_store(
                    lambda cursor: commit_import(
                        cursor,
                        plan_import(cursor, uploads, round_name, methodology=methodology, date=date),
                        progress=lambda done, text: bar.progress(done, text=text),
                        actor=scope,
                    )
                )
            except SamodiagError as error:
                st.error(str(error))
            else:
                st.session_state.pop("upload_plan", None)
                select_round_next_run(report.round_name)
                report_done(report.describe())

st.subheader("Журнал загрузок")
imports = list_imports(con)
if imports.empty:
    st.caption("Загрузок ещё не было")
else:
    st.dataframe(
        imports,
        hide_index=True,
        column_order=[
            "import_id",
            "round",
            "imported_at",
            "imported_by",
            "files",
            "rows",
            "schools",
            "new_count",
            "replaced_count",
            "unchanged_count",
            "status",
            "withdrawn_at",
            "sha256",
        ],
        column_config={
            "import_id": "№",
            "round": "Раунд",
            "imported_at": st.column_config.DatetimeColumn("Когда", format="DD.MM.YYYY HH:mm"),
            "imported_by": "Кто загрузил",
            "files": "Файлы",
            "rows": "Строк",
            "schools": "Школ",
            "new_count": "Новых",
            "replaced_count": "Заменено",
            "unchanged_count": "Без изменений",
            "status": "Статус",
            "withdrawn_at": st.column_config.DatetimeColumn("Отозвана", format="DD.MM.YYYY HH:mm"),
            "sha256": "Контрольная сумма (sha256)",
        },
        key="upload_log_table",
    )
    active = views.active_imports(imports)
    if active:
        with st.expander("Отозвать загрузку"):
            import_id = st.selectbox(
                "Загрузка", list(active), format_func=active.get, key="upload_withdraw_id"
            )
            sure = st.checkbox(
                "Да, отозвать: вернутся ответы предыдущих загрузок", key="upload_withdraw_sure"
            )
            if st.button("Отозвать", disabled=not sure, key="upload_withdraw"):
                try:
                    message = write_store(withdraw_import, import_id, actor=scope)
                except SamodiagError as error:
                    st.error(str(error))
                else:
                    report_done(message)

empty = [r.name for r in empty_rounds(con)]
if empty:
    st.subheader("Раунды без ответов")
    st.warning(
        f"В раундах {', '.join(f'«{name}»' for name in empty)} нет ни одной действующей загрузки: "
        "их не показывают страницы. Пустой раунд можно удалить вместе с его отозванными загрузками"
    )
    to_remove = st.selectbox("Раунд", empty, key="upload_remove_round_name")
    if st.button(f"Удалить раунд «{to_remove}»", key="upload_remove_round"):
        try:
            message = write_store(remove_empty_round, to_remove)
        except SamodiagError as error:
            st.error(str(error))
        else:
            report_done(message)

st.subheader("Реестр школ")
st.caption(
    "Реестр — список школ, которые должны пройти самодиагностику (ИНН, наименование, муниципалитет; "
    "по желанию тип местности, число обучающихся, коррекционная). Новый реестр заменяет прежний."
)
roster_file = st.file_uploader("Файл реестра (xlsx или csv)", type=["xlsx", "csv"], key="upload_roster_file")
if st.button("Загрузить реестр", disabled=roster_file is None, key="upload_roster"):
    try:
        count = write_store(import_roster, Upload(roster_file.name, roster_file.getvalue()), actor=scope)
    except SamodiagError as error:
        st.error(str(error))
    else:
        report_done(f"Реестр загружен: школ — {count}")
