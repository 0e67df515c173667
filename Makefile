# The whole set-up on a fresh machine is `make run` (the app on the demo data) or `make test`.
VENV := .venv
PY := $(VENV)/bin/python
CHROMIUM := /usr/bin/chromium

.PHONY: all run test lint demo bench browser screenshots
all: lint test

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

run: $(VENV)/.installed
	$(PY) -m streamlit run app.py --server.headless true

test: $(VENV)/.installed browser
	$(PY) -m pytest

lint: $(VENV)/.installed
	$(PY) -m ruff check .

demo: $(VENV)/.installed
	$(PY) -m analytics demo

bench: $(VENV)/.installed
	$(PY) -m benchmarks

# Debian's Chromium for the browser test (a test tool's own browser download fails offline) and
# LibreOffice for the tests that open generated documents without repair.
browser:
	@test -x $(CHROMIUM) && command -v soffice >/dev/null || (apt-get update -q && \
		apt-get install -y -q chromium libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils)

# Rewrites the tracked docs/screenshots/; `make test` writes its screenshots into a temporary folder.
screenshots: $(VENV)/.installed browser
	SAMODIAG_SCREENSHOTS=1 $(PY) -m pytest tests/test_browser.py -k screenshots
