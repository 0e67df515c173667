"""The app's router and frame: page set-up and navigation over the scripts in pages/."""

from pathlib import Path

import streamlit as st

PAGES_DIR = Path(__file__).resolve().parent / "pages"

st.set_page_config(page_title="Самодиагностика «Школа Минпросвещения России»", layout="wide")

# «Динамика» and «Достоверность» are written separately; each joins the menu once its file exists.
OPTIONAL_PAGES = (
    ("dynamics.py", "Динамика", "dynamics"),
    ("credibility.py", "Достоверность", "credibility"),
)

pages = [
    st.Page("pages/region.py", title="Обзор региона", url_path="region", default=True),
    st.Page("pages/municipality.py", title="Муниципалитет", url_path="municipality"),
    st.Page("pages/school.py", title="Школа", url_path="school"),
    st.Page("pages/deficits.py", title="Дефициты", url_path="deficits"),
    *(
        st.Page(f"pages/{file}", title=title, url_path=url_path)
        for file, title, url_path in OPTIONAL_PAGES
        if (PAGES_DIR / file).exists()
    ),
    st.Page("pages/upload.py", title="Загрузка", url_path="upload"),
]

st.navigation(pages).run()
