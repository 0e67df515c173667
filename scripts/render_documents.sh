#!/usr/bin/env bash
# Screenshots of every document kind: build a demo store, write the documents through the
# command line, convert them with headless LibreOffice and keep the first page of each as PNG
# in docs/screenshots/. Needs LibreOffice (soffice) and poppler-utils (pdftoppm).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
DB="$WORK/demo.duckdb"
OUT="$ROOT/docs/screenshots"

cd "$ROOT"
"$PYTHON" -m analytics demo --db "$DB" --schools 600 --rounds 3 --seed 1
IFS=$'\t' read -r ROUND INN MUNICIPALITY < <("$PYTHON" - "$DB" <<'PY'
import sys
from analytics.db import open_store
from analytics.documents import below_basic_inns
from analytics.rounds import list_rounds
con = open_store(sys.argv[1])
rnd = list_rounds(con)[-1]
inn = below_basic_inns(con, rnd)[0]
municipality = con.execute("select municipality from schools where inn = ?", [inn]).fetchone()[0]
print(rnd.name, inn, municipality, sep="\t")
PY
)

"$PYTHON" -m analytics checklist --db "$DB" --school "$INN" --round "$ROUND" --out "$WORK/checklist_xlsx.xlsx"
"$PYTHON" -m analytics checklist --db "$DB" --school "$INN" --round "$ROUND" --out "$WORK/checklist_docx.docx"
"$PYTHON" -m analytics agenda --db "$DB" --school "$INN" --round "$ROUND" --out "$WORK/interview_agenda.docx"
"$PYTHON" -m analytics report --db "$DB" --round "$ROUND" --out "$WORK/analytic_report_region.docx"
"$PYTHON" -m analytics report --db "$DB" --round "$ROUND" --municipality "$MUNICIPALITY" \
    --out "$WORK/analytic_report_municipality.docx"

mkdir -p "$OUT"
"$PYTHON" -m analytics.documents.render --out "$OUT" --dpi 60 \
    "$WORK/checklist_xlsx.xlsx" "$WORK/checklist_docx.docx" "$WORK/interview_agenda.docx" \
    "$WORK/analytic_report_region.docx" "$WORK/analytic_report_municipality.docx"
