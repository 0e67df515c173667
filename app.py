"""The app's router and frame: page set-up, sign-in and navigation over the scripts in pages/."""

import streamlit as st

from pages._access import sign_in_page, signed_in

st.set_page_config(page_title="Самодиагностика «Школа Минпросвещения России»", layout="wide")
scope = signed_in()

if scope is None:
    pages = [st.Page(sign_in_page, title="Вход", url_path="signin", default=True)]
else:
    pages = [
        st.Page("pages/region.py", title="Обзор региона", url_path="region", default=True),
        st.Page("pages/municipality.py", title="Муниципалитет", url_path="municipality"),
        st.Page("pages/school.py", title="Школа", url_path="school"),
        st.Page("pages/deficits.py", title="Дефициты", url_path="deficits"),
        st.Page("pages/dynamics.py", title="Динамика", url_path="dynamics"),
        st.Page("pages/credibility.py", title="Достоверность", url_path="credibility"),
        st.Page("pages/plans.py", title="Исполнение планов", url_path="plans"),
    ]
    if scope.may_change_store:
        pages.append(st.Page("pages/upload.py", title="Загрузка", url_path="upload"))
        pages.append(st.Page("pages/accounts.py", title="Учётные записи", url_path="accounts"))

st.navigation(pages).run()
