"""Rendering generated documents through LibreOffice: proof that they open, and screenshots.

A file that LibreOffice converts headless to PDF opens without repair; the tests convert every
kind of document this way. The first page of each PDF, drawn by poppler's `pdftoppm`, is the
screenshot kept in docs/screenshots. Each conversion uses its own LibreOffice profile folder,
so conversions run side by side (tests, a running office) do not block each other.

`python -m analytics.documents.render FILES... --out DIR` writes DIR/<name>.png for each file.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

CONVERT_TIMEOUT_SECONDS = 180


def soffice_path() -> str | None:
    """LibreOffice's command, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_to_pdf(document: Path, out_dir: Path) -> Path:
    """Convert a docx/xlsx to PDF with headless LibreOffice; the PDF's path, or RuntimeError."""
    soffice = soffice_path()
    if soffice is None:
        msg = "LibreOffice (soffice) is not installed"
        raise RuntimeError(msg)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="samodiag-soffice-") as profile:
        completed = subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={Path(profile).as_uri()}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(out_dir),
                str(document),
            ],
            capture_output=True,
            text=True,
            timeout=CONVERT_TIMEOUT_SECONDS,
            check=False,
        )
    pdf = out_dir / f"{document.stem}.pdf"
    if completed.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        msg = f"LibreOffice did not convert {document.name}: {completed.stdout}{completed.stderr}"
        raise RuntimeError(msg)
    return pdf


def first_page_png(pdf: Path, png: Path, dpi: int = 60) -> Path:
    """The PDF's first page as a PNG at `dpi` (poppler's pdftoppm)."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        msg = "pdftoppm is not installed (apt-get install poppler-utils)"
        raise RuntimeError(msg)
    subprocess.run(
        [
            pdftoppm,
            "-png",
            "-r",
            str(dpi),
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(png.with_suffix("")),
        ],
        check=True,
        capture_output=True,
        timeout=CONVERT_TIMEOUT_SECONDS,
    )
    return png


def render_screenshots(documents: Sequence[Path], out_dir: Path, dpi: int = 60) -> list[Path]:
    """A PNG of the first page of each document, named after it, in `out_dir`."""
    pngs = []
    with tempfile.TemporaryDirectory(prefix="samodiag-pdf-") as scratch:
        for document in documents:
            pdf = convert_to_pdf(document, Path(scratch))
            pngs.append(first_page_png(pdf, out_dir / f"{document.stem}.png", dpi))
    return pngs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analytics.documents.render", description=__doc__)
    parser.add_argument("files", nargs="+", type=Path, help="документы .docx или .xlsx")
    parser.add_argument("--out", type=Path, required=True, help="папка для PNG")
    parser.add_argument("--dpi", type=int, default=60, help="разрешение (по умолчанию 60)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for png in render_screenshots(args.files, args.out, args.dpi):
        print(png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
