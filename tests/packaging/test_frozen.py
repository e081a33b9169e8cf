"""`make package`, then the frozen build and its .deb, used as an IT officer would.

Run by .ci/run after `make test` (RUN_PACKAGING_TESTS=1): building takes about a minute and a
half on two cores, `make package` installs PyInstaller into .venv, and the .deb test installs
the package system-wide as root (and removes it again). Plain `make test` skips this module.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
from collections.abc import Sequence
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.packaging.conftest import ROOT

pytestmark = pytest.mark.skipif(
    os.environ.get("RUN_PACKAGING_TESTS") != "1",
    reason="builds the installer (minutes) and installs the .deb: .ci/run runs it after make test",
)

self_test = importlib.import_module("liaison_desk.cli.self_test")
DIST = ROOT / "dist"
FOLDER = DIST / "liaison-desk"
FROZEN = FOLDER / "liaison-desk"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
DEB = DIST / f"liaison-desk_{VERSION}_amd64.deb"
TARBALL = DIST / f"liaison-desk-{VERSION}-linux-x86_64.tar.gz"
PASSPHRASE = "saffron lighthouse quarry mosaic"

QT_LIBRARIES = {"Core", "Gui", "Widgets", "DBus", "XcbQpa", "WaylandClient", "OpenGL", "Svg"}
QT_LIBRARIES |= {"OpenGLWidgets"}  # pyqtgraph (the charts) imports QtOpenGL and QtOpenGLWidgets
PLUGIN_FOLDERS = {
    "platforms",
    "platformthemes",
    "platforminputcontexts",
    "xcbglintegrations",
    "wayland-decoration-client",
    "wayland-graphics-integration-client",
    "wayland-shell-integration",
}
NOT_PACKED = ("pytest", "_pytest", "pytestqt", "hypothesis", "mypy", "ruff", "pypdf", "tests")
NOT_PACKED += ("PyInstaller", "setuptools", "pip", "tkinter", "boto3", "botocore", "s3transfer")


@pytest.fixture(scope="module")
def package() -> Path:
    """`make package` as a developer runs it; prints how long it took."""
    start = time.perf_counter()
    subprocess.run(["make", "package"], cwd=ROOT, check=True, timeout=1200)
    print(f"\nmake package: {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return DIST


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """An environment whose home and temporary folders are empty folders of the test's."""
    for name in ("home", "tmp"):
        (tmp_path / name).mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_DESK_")}
    env |= {"HOME": str(tmp_path / "home"), "TMPDIR": str(tmp_path / "tmp")}
    return env | {"QT_QPA_PLATFORM": "offscreen", "TZ": "UTC"}


def run(command: Sequence[str | Path], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in command],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_self_test_passes(executable: Path | str, env: dict[str, str]) -> None:
    result = run([executable, "self-test"], env)

    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    names = [line.split(" (")[0] for line in result.stdout.splitlines()]
    assert names == [f"ok   {name}" for name, _ in self_test.CHECKS], result.stdout
    assert list(Path(env["TMPDIR"]).iterdir()) == []


def test_the_frozen_self_test_passes(package: Path, home: dict[str, str]) -> None:
    assert_self_test_passes(FROZEN, home)


def test_the_frozen_version_is_pyprojects(package: Path, home: dict[str, str]) -> None:
    result = run([FROZEN, "--version"], home)

    assert result.stdout == f"liaison-desk, version {VERSION}\n"
    assert f"liaison-desk {VERSION}\n" in (FOLDER / "BUILD-INFO.txt").read_text()


def test_the_build_holds_only_what_the_application_uses(package: Path) -> None:
    from PyInstaller.archive.readers import CArchiveReader

    internal = FOLDER / "_internal"
    qt = internal / "PySide6" / "Qt"
    libraries = {p.name.removeprefix("libQt6").split(".")[0] for p in qt.glob("lib/libQt6*")}
    modules = {p.name.split(".")[0] for p in (internal / "PySide6").glob("Qt*.so")}
    plugins = {p.relative_to(qt / "plugins").parts[0] for p in qt.glob("plugins/*/*")}
    packed = set(CArchiveReader(str(FROZEN)).open_embedded_archive("PYZ.pyz").toc)

    assert libraries <= QT_LIBRARIES
    assert modules == {"QtCore", "QtGui", "QtWidgets", "QtOpenGL", "QtOpenGLWidgets"}
    assert plugins <= PLUGIN_FOLDERS
    assert not (qt / "translations").exists()
    assert (internal / "resources" / "liaison-desk.png").is_file()
    assert (internal / "resources" / "protocol").is_dir()
    assert not {m for m in packed if m.split(".")[0] in NOT_PACKED}
    # 223 MB with the charts' numpy (37 MB, 25 of them OpenBLAS, unstripped) and the relay's AWS
    # SDK (28 MB), which the build now leaves out: an officer's laptop never talks to S3.
    assert sum(p.stat().st_size for p in FOLDER.rglob("*") if not p.is_symlink()) < 200e6


def test_vcards_calendars_and_pdf_reports_work_frozen(
    package: Path, home: dict[str, str], tmp_path: Path
) -> None:
    env = home | {"LIAISON_DESK_PASSPHRASE": PASSPHRASE}
    vault = ["--vault", str(tmp_path / "vault")]

    def ok(*args: str | Path) -> str:
        result = run([FROZEN, *vault, *args], env)
        assert result.returncode == 0, f"{args}: {result.stderr}"
        return result.stdout.strip()

    ok("init", "--name", "Paris DAO", "--kdf-memory", "64", "--kdf-iterations", "1")
    ok("contact", "add", "--name", "Hélène Girard", "--email", "helene@example.org")
    names = ("王小明", "渡辺さくら", "김민준")  # Chinese, Japanese, Korean
    people = [
        arg for name in names for arg in ("--participant", ok("contact", "add", "--name", name))
    ]
    meeting = ok("meeting", "add", "--title", "Talks", "--when", "2026-03-14T10:30", *people)
    ok("contact", "export", tmp_path / "out.vcf")
    ok("meeting", "import", ROOT / "tests/fixtures/interop/google.ics")
    ok("report", "meeting", meeting, "--out", tmp_path / "report.pdf")

    assert "Hélène Girard" in (tmp_path / "out.vcf").read_text()
    [page] = PdfReader(tmp_path / "report.pdf").pages
    text = "".join((page.extract_text() or "").split())
    assert all(name in text for name in names)  # the system's CJK font, found when frozen


def test_the_archives_match_their_sums(package: Path) -> None:
    subprocess.run(["sha256sum", "--check", "--quiet", "SHA256SUMS"], cwd=DIST, check=True)
    with tarfile.open(TARBALL) as tar:
        names = set(tar.getnames())
    assert {"liaison-desk/liaison-desk", "liaison-desk/BUILD-INFO.txt"} <= names


@pytest.mark.skipif(
    shutil.which("dpkg") is None or os.geteuid() != 0, reason="installs a .deb: root on Debian"
)
def test_the_deb_installs_runs_and_removes_cleanly(package: Path, home: dict[str, str]) -> None:
    subprocess.run(["dpkg", "-i", str(DEB)], check=True, capture_output=True, timeout=300)
    try:
        version = run(["/usr/bin/liaison-desk", "--version"], home)
        assert version.stdout == f"liaison-desk, version {VERSION}\n"
        assert_self_test_passes("/usr/bin/liaison-desk", home)
        assert Path("/usr/share/applications/liaison-desk.desktop").is_file()
        assert Path("/usr/share/icons/hicolor/256x256/apps/liaison-desk.png").is_file()
    finally:
        subprocess.run(["dpkg", "-r", "liaison-desk"], check=True, capture_output=True)
    assert not Path("/opt/liaison-desk").exists()
    assert not Path("/usr/bin/liaison-desk").exists()
