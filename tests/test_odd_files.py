"""Odd files as users really hand them over: each is built here, imported through the command
line, and either read as it should be or refused in Russian naming the file and the reason."""

from __future__ import annotations

import codecs
import io
import struct
import zipfile
from pathlib import Path

import pytest

from analytics.errors import ImportRejected
from analytics.loading import Upload
from analytics.roster import TITLES, import_roster
from tests.conftest import EXAMPLES
from tests.test_cli import run_cli

LONG_EXAMPLE = EXAMPLES / "region_long_spring_2026.csv"
ENCRYPTED_OR_XLS = (
    "файл защищён паролем или это старый формат Excel (.xls); сохраните его как .xlsx без пароля"
)
ENDOFCHAIN, FATSECT, FREESECT = 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def cfb_container() -> bytes:
    """An OLE2 compound file (version 3, 512-byte sectors) holding only its root entry: the
    container that both a password-protected xlsx and an old .xls are."""
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        bytes.fromhex("D0CF11E0A1B11AE1"),
        bytes(16),
        0x3E,  # minor version
        3,  # major version
        0xFFFE,  # byte order
        9,  # sector size 2**9
        6,  # mini sector size 2**6
        bytes(6),
        0,  # directory sectors (0 in version 3)
        1,  # FAT sectors
        1,  # first directory sector
        0,  # transaction signature
        4096,  # mini stream cutoff
        ENDOFCHAIN,  # first mini FAT sector
        0,  # mini FAT sectors
        ENDOFCHAIN,  # first DIFAT sector
        0,  # DIFAT sectors
    )
    header += struct.pack("<109I", 0, *[FREESECT] * 108)
    fat = struct.pack("<128I", FATSECT, ENDOFCHAIN, *[FREESECT] * 126)
    name = "Root Entry".encode("utf-16-le") + b"\0\0"
    root = name.ljust(64, b"\0") + struct.pack(
        "<HBB3I16sI16sIII", len(name), 5, 1, *[FREESECT] * 3, bytes(16), 0, bytes(16), ENDOFCHAIN, 0, 0
    )
    directory = root.ljust(512, b"\0")
    return header + fat + directory


def ods_spreadsheet(rows: list[list[str]]) -> bytes:
    """A minimal OpenDocument spreadsheet: `mimetype` stored first, then its content."""
    cells = "".join(
        "<table:table-row>"
        + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{c}</text:p></table:table-cell>'
            for c in row
        )
        + "</table:table-row>"
        for row in rows
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="Лист1">{cells}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED
        )
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def example_text() -> str:
    return LONG_EXAMPLE.read_bytes().decode("cp1251")


def import_file(tmp_path: Path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return run_cli("import", str(path), "--round", "Весна 2026", "--db", str(tmp_path / "store.duckdb"))


def assert_refused(done, expected: str) -> None:
    """Exit 2 with the Russian reason on stderr and no traceback."""
    stderr = done.stderr.decode()
    assert done.returncode == 2, stderr
    assert "Traceback" not in stderr
    assert expected in stderr


def assert_read(done) -> None:
    assert done.returncode == 0, done.stderr.decode()
    assert "школ новых — 14" in done.stdout.decode()


class TestDisguisedFormats:
    @pytest.mark.parametrize("name", ["защищённый.xlsx", "старый.xlsx", "выгрузка.csv"])
    def test_ole2_container_is_named_as_password_or_xls(self, tmp_path, name):
        done = import_file(tmp_path, name, cfb_container())
        assert_refused(done, f"Файл «{name}»: {ENCRYPTED_OR_XLS}")

    def test_ods_renamed_to_xlsx_is_refused_with_its_format(self, tmp_path):
        """calamine would read it, past the sheet-size checks that only know xlsx."""
        header = example_text().splitlines()[0].split(";")
        done = import_file(tmp_path, "выгрузка.xlsx", ods_spreadsheet([header]))
        assert_refused(done, "Файл «выгрузка.xlsx»: это таблица OpenDocument (.ods), а не .xlsx")

    @pytest.mark.parametrize("name", ["выгрузка.xls", "выгрузка.ods"])
    def test_xls_and_ods_by_their_names_say_how_to_save(self, tmp_path, name):
        done = import_file(tmp_path, name, cfb_container() if name.endswith("xls") else ods_spreadsheet([]))
        assert_refused(done, f"Файл «{name}»: формат .{name[-3:]} не читается; сохраните таблицу как .xlsx")


class TestCsvEncodingsAndLineEnds:
    @pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
    def test_utf16_with_bom_is_read(self, tmp_path, codec):
        """Excel's «Юникод» text: UTF-16 with its byte order mark."""
        bom = codecs.BOM_UTF16_BE if codec == "utf-16-be" else b""
        done = import_file(tmp_path, "utf16.csv", bom + example_text().encode(codec))
        assert_read(done)

    def test_cr_only_line_ends_are_read(self, tmp_path):
        """Old Mac line ends: CR alone."""
        text = example_text().replace("\r\n", "\n").replace("\n", "\r")
        assert_read(import_file(tmp_path, "cr.csv", text.encode("utf-8")))

    def test_cp1251_is_read_with_its_letters(self, tmp_path):
        done = import_file(tmp_path, "cp1251.csv", LONG_EXAMPLE.read_bytes())
        assert_read(done)
        schools = run_cli("schools", "--db", str(tmp_path / "store.duckdb")).stdout.decode()
        assert "Кировский муниципальный район" in schools


class TestRosterOddFiles:
    def test_roster_in_an_ole2_container_is_named(self, con):
        with pytest.raises(ImportRejected, match=r"Файл «roster.xlsx»: файл защищён паролем"):
            import_roster(con, Upload("roster.xlsx", cfb_container()))

    def test_roster_in_utf16_with_cr_line_ends_is_read(self, con):
        text = "\r".join(
            [";".join(TITLES.values()), "4700000001;МОУ «СОШ №1»;Кировский район;сельская;85;нет"]
        )
        assert import_roster(con, Upload("roster.csv", text.encode("utf-16"))) == 1
