"""Documents people hand out: deficit checklists, the interview agenda and pack, the analytic report.

Every function returns a file's bytes, so the app offers them as downloads and the command line
writes them to disk; every figure in a document is read from the store, never typed in.
"""

from analytics.documents.agenda import interview_agenda_docx
from analytics.documents.checklist import below_basic_inns, checklist_docx, checklist_xlsx, checklists_zip
from analytics.documents.pack import interview_packs_zip
from analytics.documents.report import analytic_report_docx

__all__ = [
    "analytic_report_docx",
    "below_basic_inns",
    "checklist_docx",
    "checklist_xlsx",
    "checklists_zip",
    "interview_agenda_docx",
    "interview_packs_zip",
]
