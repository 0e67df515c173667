"""Hostile uploads built on the fly, and the peak memory and time a refused import of each costs.

`python -m benchmarks.hostile_files` writes each file to a temporary folder, imports it through
the command line in a child process and prints the child's peak RSS (`getrusage`), its run time,
its exit code and the first line of its message. The tests build the same files at a smaller size;
timings and memory are measured here, never asserted.
"""

from __future__ import annotations

import io
import resource
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from analytics.config import PROJECT_ROOT

LONG_HEADER = (
    "ИНН;Наименование ОО;Муниципальное образование;Тип самодиагностики;"
    "Номер показателя;Показатель;Ответ;Баллы\n"
)
LONG_EXAMPLE = "tests/fixtures/examples/region_long_spring_2026.csv"
BAD_ROW = "x{};Школа;Район;Самодиагностика общеобразовательной школы;1;Показатель;Да;1\n"
"""A row whose ИНН is wrong, and differs from every other row's: one problem per row."""


def zip_of(members: dict[str, bytes]) -> bytes:
    """A deflated zip holding the members as given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def bad_rows_csv(rows: int) -> bytes:
    """A long-layout CSV whose every row carries a wrong ИНН."""
    return (LONG_HEADER + "".join(map(BAD_ROW.format, range(rows)))).encode("cp1251")


def understated_zip(data: bytes, declared: int) -> bytes:
    """A zip of one member whose local header and central directory both declare `declared` bytes
    for `data`, as a crafted archive does to slip past a check of the declared size."""
    archive = bytearray(zip_of({"lie.csv": data}))
    local = archive.index(b"PK\x03\x04")
    central = archive.index(b"PK\x01\x02")
    struct.pack_into("<I", archive, local + 22, declared)
    struct.pack_into("<I", archive, central + 24, declared)
    return bytes(archive)


CASES: dict[str, Callable[[], tuple[str, bytes]]] = {
    "an honest export of 14 schools, zipped (for scale)": lambda: (
        "honest.zip",
        zip_of({"long.csv": (PROJECT_ROOT / LONG_EXAMPLE).read_bytes()}),
    ),
    "member of 300 MiB in a zip": lambda: ("bomb.zip", zip_of({"a.csv": b"0" * (300 << 20)})),
    "3 members of 100 MiB each": lambda: (
        "many.zip",
        zip_of({f"{n}.csv": LONG_HEADER.encode() + b"0" * (100 << 20) for n in range(3)}),
    ),
    "member declaring 100 bytes, 300 MiB inside": lambda: (
        "lie.zip",
        understated_zip(b"0" * (300 << 20), 100),
    ),
    "1.4 million wrong rows in a zip": lambda: ("problems.zip", zip_of({"p.csv": bad_rows_csv(1_400_000)})),
}


def measure(path: Path, db: Path) -> tuple[float, float, int, str]:
    """Peak RSS (MiB) and seconds of one CLI import of `path` in a child process.

    Run from a small process only: a child's peak counts the memory of its parent at the fork,
    so the process that built a large file must not be the one that starts the import.
    """
    started = time.perf_counter()
    command = [sys.executable, "-m", "analytics", "import", str(path), "--round", "Весна 2026"]
    command += ["--db", str(db)]
    done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    first_line = (done.stderr or done.stdout).splitlines()[:2]
    return peak_mib, seconds, done.returncode, " / ".join(first_line)


def _run_step(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "benchmarks.hostile_files", *args], cwd=PROJECT_ROOT, check=True)


def main() -> None:
    """Each case built by one child and imported from another, so each peak is the import's own."""
    match sys.argv[1:]:
        case ["build", case, path]:
            Path(path).write_bytes(CASES[case]()[1])
        case ["measure", case, path]:
            peak, seconds, code, message = measure(Path(path), Path(path).with_suffix(".duckdb"))
            size = Path(path).stat().st_size / 1e6
            print(f"{case}: {size:.1f} MB file, peak {peak:.0f} MiB, {seconds:.1f} s, exit {code}: {message}")
        case _:
            with tempfile.TemporaryDirectory() as folder:
                for number, case in enumerate(CASES):
                    path = str(Path(folder) / f"case{number}.zip")
                    _run_step("build", case, path)
                    _run_step("measure", case, path)


if __name__ == "__main__":
    main()
