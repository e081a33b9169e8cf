"""packaging/build.py without PyInstaller: pins, archives, the .deb's layout and dependencies."""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tarfile
import tomllib
from importlib.metadata import version
from pathlib import Path
from types import ModuleType

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.packaging.conftest import ROOT

TEST_EXTRA = ("pytest", "pytest-qt", "hypothesis", "mypy", "ruff", "pypdf")
EPOCH = 1_780_000_000


def fake_build(folder: Path) -> Path:
    """A one-folder build in miniature: executable, library, data, a symlink, a subfolder."""
    internal = folder / "_internal"
    (internal / "resources").mkdir(parents=True)
    exe = folder / "liaison-desk"
    exe.write_bytes(b"\x7fELF fake executable")
    exe.chmod(0o700)
    (internal / "libpython3.11.so.1.0").write_bytes(b"\x7fELF fake library")
    (internal / "resources" / "icon.png").write_bytes(b"png")
    (internal / "libpython3.so").symlink_to("libpython3.11.so.1.0")
    return folder


def test_constraints_pin_every_runtime_dependency_within_pyproject(build: ModuleType) -> None:
    pins = build.read_constraints((ROOT / "packaging/constraints.txt").read_text())
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    for text in meta["dependencies"]:
        req = Requirement(text)
        pinned = pins.get(canonicalize_name(req.name))
        assert pinned is not None, f"{req.name} is not pinned"
        assert req.specifier.contains(pinned), f"{req.name}=={pinned} is outside {req.specifier}"
    for text in meta["optional-dependencies"]["package"]:
        req = Requirement(text)
        if req.marker is None or req.marker.evaluate():
            assert canonicalize_name(req.name) in pins, f"{req.name} is not pinned"
    assert not set(map(canonicalize_name, TEST_EXTRA)) & set(pins)


def test_the_lock_is_the_installed_closure_without_the_test_extra(build: ModuleType) -> None:
    pins = build.read_constraints(build.lock_text())

    for name in ("cryptography", "sqlcipher3", "PySide6-Essentials", "shiboken6", "click"):
        assert pins[canonicalize_name(name)] == version(name)
    assert "liaison-desk" not in pins
    assert not set(map(canonicalize_name, TEST_EXTRA)) & set(pins)


@pytest.mark.skipif(sys.platform != "linux", reason="elsewhere a difference is only reported")
def test_a_virtualenv_that_differs_from_the_pins_is_refused(
    build: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lock = build.read_constraints(build.lock_text())
    lock["cryptography"] = "1.0"
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("".join(f"{name}=={v}\n" for name, v in lock.items()))
    monkeypatch.setattr(build, "CONSTRAINTS", constraints)

    with pytest.raises(build.BuildError, match=r"cryptography \S+ \(pinned 1.0\)"):
        build.check_pins()


def test_the_tarball_is_the_same_whenever_it_is_made(build: ModuleType, tmp_path: Path) -> None:
    folder = fake_build(tmp_path / "dist" / "liaison-desk")
    first, second = tmp_path / "1.tar.gz", tmp_path / "2.tar.gz"

    build.make_tarball(folder, first, EPOCH)
    for path in folder.rglob("*"):
        os.utime(path, (EPOCH + 999, EPOCH + 999), follow_symlinks=False)
    build.make_tarball(folder, second, EPOCH)

    assert first.read_bytes() == second.read_bytes()
    with tarfile.open(first) as tar:
        members = {m.name: m for m in tar.getmembers()}
    assert sorted(members) == [
        "liaison-desk",
        "liaison-desk/_internal",
        "liaison-desk/_internal/libpython3.11.so.1.0",
        "liaison-desk/_internal/libpython3.so",
        "liaison-desk/_internal/resources",
        "liaison-desk/_internal/resources/icon.png",
        "liaison-desk/liaison-desk",
    ]
    assert {(m.uid, m.gid, m.uname, m.mtime) for m in members.values()} == {(0, 0, "root", EPOCH)}
    assert members["liaison-desk/liaison-desk"].mode == 0o755
    assert members["liaison-desk/_internal/resources/icon.png"].mode == 0o644
    assert members["liaison-desk/_internal/libpython3.so"].linkname == "libpython3.11.so.1.0"


def test_system_libraries_split_into_depends_and_recommends(
    build: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "liaison-desk"
    qt = "_internal/PySide6/Qt"
    loads = {
        "liaison-desk": ["libc.so.6", "libdl.so.2"],
        "_internal/libpython3.11.so.1.0": ["libc.so.6", "libm.so.6"],
        "_internal/PySide6/QtGui.abi3.so": ["libQt6Gui.so.6", "libstdc++.so.6"],
        f"{qt}/lib/libQt6Gui.so.6": ["libEGL.so.1", "libfontconfig.so.1"],
        f"{qt}/lib/libQt6XcbQpa.so.6": ["libxcb.so.1", "libQt6Gui.so.6"],
        f"{qt}/plugins/platforms/libqoffscreen.so": ["libQt6Gui.so.6", "libX11.so.6"],
        f"{qt}/plugins/platforms/libqxcb.so": ["libQt6XcbQpa.so.6", "libxcb-cursor.so.0"],
    }
    for relative in loads:
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(b"\x7fELF")
    monkeypatch.setattr(build, "needed", lambda path: loads[path.relative_to(folder).as_posix()])

    needs = build.system_needs(folder)

    glibc = build.platform.libc_ver()[1]
    assert needs.depends == [
        f"libc6 (>= {glibc})",
        "libegl1",
        "libfontconfig1",
        "libstdc++6",
        "libx11-6",
        build.FONTS,
        "fonts-wqy-microhei",  # the reports' Chinese, Japanese and Korean names
    ]
    assert needs.recommends == ["libxcb-cursor0", "libxcb1"]

    loads[f"{qt}/plugins/platforms/libqxcb.so"].append("libunheard-of.so.3")
    with pytest.raises(build.BuildError, match=r"libunheard-of\.so\.3"):
        build.system_needs(folder)


@pytest.mark.skipif(shutil.which("make") is None, reason="reads the Makefile through make")
def test_make_install_installs_every_package_the_deb_may_need(
    build: ModuleType,
) -> None:
    recipe = subprocess.run(
        ["make", "--dry-run", "--silent", "system-deps"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    installed = set(recipe.split("for p in ", 1)[1].split(";", 1)[0].split())

    packages = set(build.SYSTEM_PACKAGES.values())
    assert {"libxcb-icccm4", "libxcb-keysyms1", "libxcb-cursor0", "libegl1"} <= packages
    assert packages | {"xvfb", "xdotool", "fonts-dejavu-core"} <= installed
    assert build.CJK_FONT in installed  # the reports' font, which the .deb depends on too
    assert build.SYSTEM_PACKAGES["libxcb-icccm.so.4"] == "libxcb-icccm4"


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb (Debian/Ubuntu)")
def test_the_deb_installs_into_opt_with_a_command_and_a_menu_entry(
    build: ModuleType, tmp_path: Path
) -> None:
    folder = fake_build(tmp_path / "dist" / "liaison-desk")
    needs = build.SystemNeeds(depends=["libc6 (>= 2.36)", "libegl1"], recommends=["libxcb1"])
    staging, deb = tmp_path / "deb", tmp_path / "out.deb"
    meta = build.project()

    build.stage_deb(folder, staging, meta, needs)
    build.make_deb(staging, deb, EPOCH)

    def field(name: str) -> str:
        return subprocess.run(
            ["dpkg-deb", "--field", str(deb), name], capture_output=True, text=True, check=True
        ).stdout.strip()

    assert field("Package") == "liaison-desk"
    assert field("Version") == meta["version"]
    assert field("Architecture") == "amd64"
    assert field("Depends") == "libc6 (>= 2.36), libegl1"
    assert field("Recommends") == "libxcb1"
    listing = subprocess.run(
        ["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    assert "./usr/bin/liaison-desk -> /opt/liaison-desk/liaison-desk" in listing
    assert "root/root" in listing and "rwxr-xr-x root/root" in listing
    for path in (
        "./opt/liaison-desk/liaison-desk",
        "./opt/liaison-desk/_internal/resources/icon.png",
        "./usr/share/applications/liaison-desk.desktop",
        "./usr/share/icons/hicolor/256x256/apps/liaison-desk.png",
    ):
        assert f" {path}\n" in listing, path
    entry = (staging / "usr/share/applications/liaison-desk.desktop").read_text()
    assert entry.startswith("[Desktop Entry]\n")
    assert {"Type=Application", "Exec=liaison-desk", "Icon=liaison-desk"} <= set(entry.splitlines())
    assert png_size(staging / "usr/share/icons/hicolor/256x256/apps/liaison-desk.png") == (256, 256)


def test_sums_are_what_sha256sum_checks(build: ModuleType, tmp_path: Path) -> None:
    files = [tmp_path / "a.deb", tmp_path / "b.tar.gz"]
    for i, path in enumerate(files):
        path.write_bytes(bytes([i]) * 3_000_000)

    build.write_sums(files, tmp_path / "SHA256SUMS")

    lines = (tmp_path / "SHA256SUMS").read_text().splitlines()
    assert lines == [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}" for p in files]
    if shutil.which("sha256sum") and sys.platform == "linux":
        subprocess.run(["sha256sum", "--check", "--quiet", "SHA256SUMS"], cwd=tmp_path, check=True)
