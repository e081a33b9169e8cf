"""Build the installer: the one-folder app, then on Linux a .tar.gz and a .deb, with their sums.

    .venv/bin/python packaging/build.py           # what `make package` runs, after installing
                                                  # the `package` extra under constraints.txt
    .venv/bin/python packaging/build.py --lock    # rewrite packaging/constraints.txt from .venv

The versions packed are the ones pinned in packaging/constraints.txt: the build refuses to run
if .venv disagrees with it. It then runs PyInstaller on packaging/liaison-desk.spec and writes

    dist/liaison-desk/                      the one-folder build: liaison-desk + _internal/
    dist/liaison-desk/BUILD-INFO.txt        version, commit, Python, every distribution packed
    dist/liaison-desk-VERSION-linux-x86_64.tar.gz
    dist/liaison-desk_VERSION_amd64.deb     /opt/liaison-desk, /usr/bin/liaison-desk, menu entry
    dist/SHA256SUMS                         of the two archives (`sha256sum -c SHA256SUMS`)

Archive timestamps come from SOURCE_DATE_EPOCH (default: the last commit's time), so the same
folder always gives the same archives. Windows (packaging/windows/) and macOS
(packaging/macos/) make their installers on their own platform from dist/liaison-desk.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import textwrap
import time
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "packaging" / "liaison-desk.spec"
CONSTRAINTS = ROOT / "packaging" / "constraints.txt"
NAME = "liaison-desk"
INSTALL_DIR = f"/opt/{NAME}"
EXE_SUFFIX = ".exe" if sys.platform == "win32" else ""
BUILD_TOOLS = ("pyinstaller", "pillow")  # the `package` extra (pillow only off Linux)

SYSTEM_LIBRARIES = ROOT / "packaging" / "system-libraries.txt"


def read_system_libraries(text: str) -> dict[str, str]:
    """Library -> Debian package, from system-libraries.txt (which the Makefile installs)."""
    packages: dict[str, str] = {}
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if fields:
            library, package = fields
            packages[library] = package
    return packages


# Which Debian package provides each library the build loads from the system. The build fails
# on a library missing there, so the .deb never forgets a dependency.
SYSTEM_PACKAGES = read_system_libraries(SYSTEM_LIBRARIES.read_text(encoding="utf-8"))
FONTS = "fonts-dejavu-core | fonts-freefont-ttf | fonts-liberation2"  # Qt finds none by itself
# Chinese, Japanese and Korean names in the PDF reports (liaison_desk/ui/reports.py asks for
# it by name): a TrueType font, whose glyphs read back from the PDF as the names typed.
CJK_FONT = "fonts-wqy-microhei"
# Qt plugins a headless start (the CLI, self-test, offscreen) loads; the others are a desktop's.
HEADLESS_PLUGINS = ("platforms/libqoffscreen.so",)

DESKTOP_ENTRY = """\
[Desktop Entry]
Type=Application
Name=Liaison Desk
GenericName=Contact book and meeting journal
Comment=Encrypted contacts, meeting notes and protocol library for liaison officers
Exec=liaison-desk
Icon=liaison-desk
Terminal=false
Categories=Office;ContactManagement;
"""


class BuildError(Exception):
    """A build that must stop, with a sentence saying why."""


def log(message: str) -> None:
    print(f"[package] {message}", file=sys.stderr, flush=True)


# -- versions: what is packed, pinned in constraints.txt ---------------------------------------


def project() -> dict[str, str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {"name": meta["name"], "version": meta["version"], "description": meta["description"]}


def closure(roots: Iterable[str]) -> dict[str, str]:
    """Installed distributions `roots` need (their own requirements, markers evaluated here)."""
    found: dict[str, str] = {}
    todo: list[tuple[str, frozenset[str]]] = [(r, frozenset()) for r in roots]
    visited: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, extras = todo.pop()
        if (canonicalize_name(name), extras) in visited:
            continue
        visited.add((canonicalize_name(name), extras))
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue  # a requirement for another platform (pillow on Linux)
        found[canonicalize_name(dist.metadata["Name"])] = dist.version
        for text in dist.requires or ():
            req = Requirement(text)
            wanted = extras or frozenset({""})
            if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in wanted):
                todo.append((req.name, frozenset(req.extras)))
    return found


def packed() -> dict[str, str]:
    """The distributions inside the build: the project's runtime requirements, recursively."""
    found = closure([NAME])
    found.pop(NAME)
    return found


def lock_text() -> str:
    inside = packed()
    tools = {k: v for k, v in closure(BUILD_TOOLS).items() if k not in inside}
    lines = [
        "# Exact versions `make package` installs and packs (pip constraints file).",
        "# Regenerate after a dependency changes: .venv/bin/python packaging/build.py --lock",
        f"# Resolved on {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}.",
        "#",
        "# The project's runtime dependencies (the build packs what the application imports):",
        *(f"{name}=={version}" for name, version in sorted(inside.items())),
        "# Build tools (the `package` extra), not packed:",
        *(f"{name}=={version}" for name, version in sorted(tools.items())),
    ]
    return "\n".join(lines) + "\n"


def read_constraints(text: str) -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version.strip()
    return pins


def check_pins() -> dict[str, str]:
    """The packed versions, after checking .venv holds what constraints.txt pins.

    Every distribution packed must be pinned at its installed version, and so must every
    build tool that is pinned. The file is resolved on Linux: elsewhere (colorama for click on
    Windows, pywin32-ctypes for PyInstaller) a difference is reported, not fatal.
    """
    pins = read_constraints(CONSTRAINTS.read_text(encoding="utf-8"))
    inside = packed()
    have = {**closure(BUILD_TOOLS), **inside}
    wrong = sorted(
        f"{name} {have.get(name, 'not installed')} (pinned {pins.get(name, 'nothing')})"
        for name in sorted(set(inside) | (set(pins) & set(have)))
        if pins.get(name) != have.get(name)
    )
    if wrong and sys.platform == "linux":
        raise BuildError(
            "The virtualenv differs from packaging/constraints.txt: "
            + "; ".join(wrong)
            + ". Run `make package` (it installs the pinned versions), or `packaging/build.py"
            " --lock` if the change is intended."
        )
    if wrong:
        log("differs from constraints.txt (resolved on Linux): " + "; ".join(wrong))
    return inside


# -- PyInstaller ----------------------------------------------------------------------------


def freeze(dist: Path, work: Path, epoch: int) -> float:
    """Run PyInstaller on the spec; returns the seconds it took.

    A fixed hash seed and SOURCE_DATE_EPOCH make its output the same from run to run (the
    order of base_library.zip follows set iteration otherwise).
    """
    start = time.perf_counter()
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level=ERROR"]
    command += ["--distpath", str(dist), "--workpath", str(work / "pyinstaller"), str(SPEC)]
    env = {**os.environ, "PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": str(epoch)}
    subprocess.run(command, cwd=ROOT, check=True, env=env)
    return time.perf_counter() - start


def source_epoch() -> int:
    if "SOURCE_DATE_EPOCH" in os.environ:
        return int(os.environ["SOURCE_DATE_EPOCH"])
    try:
        out = subprocess.run(
            ["git", "log", "-1", "--format=%ct"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        out = ""
    return int(out) if out.isdigit() else int(time.time())


def commit() -> str:
    def git(*args: str) -> str:
        try:
            result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        except OSError:
            return ""
        return result.stdout.strip() if result.returncode == 0 else ""

    head = git("rev-parse", "HEAD") or "unknown"
    return head + (" (with uncommitted changes)" if git("status", "--porcelain") else "")


def build_info(version: str, versions: dict[str, str], epoch: int) -> str:
    when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(epoch))
    libc = " ".join(platform.libc_ver()) if sys.platform == "linux" else ""
    lines = [
        f"{NAME} {version}",
        f"commit: {commit()} ({when})",
        f"python: {platform.python_implementation()} {platform.python_version()}",
        f"platform: {sys.platform} {platform.machine()} {libc}".rstrip(),
        f"pyinstaller: {closure(['pyinstaller']).get('pyinstaller', '?')}",
        "packed:",
        *(f"  {name}=={v}" for name, v in sorted(versions.items())),
    ]
    return "\n".join(lines) + "\n"


def check_version(folder: Path, version: str) -> None:
    """The frozen executable must report pyproject's version (its metadata went in)."""
    out = subprocess.run(
        [str(folder / (NAME + EXE_SUFFIX)), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    expected = f"{NAME}, version {version}"
    if out.returncode != 0 or out.stdout.strip() != expected:
        raise BuildError(f"The build says {out.stdout.strip() or out.stderr!r}, not {expected!r}.")


# -- what the build needs from the system (Linux) ---------------------------------------------


def elf_files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as f:
                if f.read(4) == b"\x7fELF":
                    yield path


def needed(path: Path) -> list[str]:
    out = subprocess.run(
        ["readelf", "--dynamic", "--wide", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


@dataclass(frozen=True)
class SystemNeeds:
    depends: list[str]  # to start at all: the CLI, self-test, offscreen
    recommends: list[str]  # to show a window on X11 or Wayland, with GTK's file dialogs


def system_needs(folder: Path) -> SystemNeeds:
    """Packages for the libraries the build loads from the system, headless or on a desktop."""
    files = {path: needed(path) for path in elf_files(folder)}
    shipped = {p.name for p in folder.rglob("*.so*")}
    by_name = {path.name: path for path in files}

    def plugin(path: Path) -> str | None:
        parts = path.parts
        return "/".join(parts[parts.index("plugins") + 1 :]) if "plugins" in parts else None

    headless: set[Path] = set()
    todo = [p for p in files if plugin(p) is None or plugin(p) in HEADLESS_PLUGINS]
    todo = [p for p in todo if "Qt/lib" not in p.as_posix()]
    while todo:
        path = todo.pop()
        if path in headless:
            continue
        headless.add(path)
        todo += [by_name[n] for n in files[path] if n in by_name]

    unknown = sorted({n for libs in files.values() for n in libs} - shipped - set(SYSTEM_PACKAGES))
    if unknown:
        raise BuildError(
            f"The build loads {', '.join(unknown)} from the system, and packaging/"
            "system-libraries.txt does not name their Debian package: add them there."
        )

    def packages(paths: Iterable[Path]) -> set[str]:
        return {SYSTEM_PACKAGES[n] for p in paths for n in files[p] if n not in shipped}

    glibc = platform.libc_ver()[1]
    core = packages(headless)
    desktop = packages(set(files) - headless) - core
    depends = [f"libc6 (>= {glibc})" if p == "libc6" and glibc else p for p in sorted(core)]
    return SystemNeeds(depends=[*depends, FONTS, CJK_FONT], recommends=sorted(desktop))


# -- the archives -------------------------------------------------------------------------------


def normalized(info: tarfile.TarInfo, epoch: int) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    info.mtime = min(info.mtime, epoch)
    if info.isdir() or info.mode & 0o111:
        info.mode = 0o755
    else:
        info.mode = 0o644
    return info


def make_tarball(folder: Path, out: Path, epoch: int) -> None:
    """folder as `liaison-desk/...`, entries sorted, owners and times fixed: reproducible."""
    with (
        out.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=epoch) as zipped,
        tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for path in [folder, *sorted(folder.rglob("*"))]:
            arcname = (Path(NAME) / path.relative_to(folder)).as_posix()
            info = normalized(tar.gettarinfo(str(path), arcname), epoch)
            if info.isfile():
                with path.open("rb") as f:
                    tar.addfile(info, f)
            else:
                tar.addfile(info)


def control_file(meta: dict[str, str], needs: SystemNeeds, installed_kib: int) -> str:
    maintainer = os.environ.get("DEB_MAINTAINER", "Liaison Desk developers <packaging@invalid>")
    about = (
        "Contacts, meeting notes and a protocol library in one encrypted vault (SQLCipher,"
        " Argon2id), synchronised with headquarters through signed, encrypted bundles"
        " carried on removable media. Self-contained: Python, Qt and the libraries are in"
        f" {INSTALL_DIR}; `liaison-desk self-test` checks an installation."
    )
    long = [*textwrap.wrap(meta["description"], 72), ".", *textwrap.wrap(about, 72)]
    fields = {
        "Package": NAME,
        "Version": meta["version"],
        "Architecture": "amd64",
        "Maintainer": maintainer,
        "Installed-Size": str(installed_kib),
        "Depends": ", ".join(needs.depends),
        "Recommends": ", ".join(needs.recommends),
        "Section": "utils",
        "Priority": "optional",
        "Description": "encrypted contact book and meeting journal for liaison officers",
    }
    text = "".join(f"{key}: {value}\n" for key, value in fields.items())
    return text + "".join(f" {line}\n" for line in long)


def stage_deb(folder: Path, staging: Path, meta: dict[str, str], needs: SystemNeeds) -> None:
    if staging.exists():
        shutil.rmtree(staging)
    opt = staging / INSTALL_DIR.lstrip("/")
    shutil.copytree(folder, opt, symlinks=True)
    (staging / "usr/bin").mkdir(parents=True)
    (staging / "usr/bin" / NAME).symlink_to(f"{INSTALL_DIR}/{NAME}")
    apps = staging / "usr/share/applications"
    apps.mkdir(parents=True)
    (apps / f"{NAME}.desktop").write_text(DESKTOP_ENTRY, encoding="utf-8")
    icons = staging / "usr/share/icons/hicolor/256x256/apps"
    icons.mkdir(parents=True)
    shutil.copyfile(ROOT / "resources" / f"{NAME}.png", icons / f"{NAME}.png")
    for path in [staging, *staging.rglob("*")]:
        if path.is_symlink():
            continue
        executable = path.is_dir() or os.access(path, os.X_OK)
        path.chmod(0o755 if executable else 0o644)
    size = sum(p.stat().st_size for p in staging.rglob("*") if p.is_file() and not p.is_symlink())
    (staging / "DEBIAN").mkdir(mode=0o755)
    control = control_file(meta, needs, installed_kib=-(-size // 1024))
    (staging / "DEBIAN/control").write_text(control, encoding="utf-8")
    (staging / "DEBIAN/control").chmod(0o644)


def make_deb(staging: Path, out: Path, epoch: int) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch)}
    command = ["dpkg-deb", "--root-owner-group", "-Zxz", "--build", str(staging), str(out)]
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)


def write_sums(paths: Iterable[Path], out: Path) -> None:
    lines = []
    for path in paths:
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        lines.append(f"{digest.hexdigest()}  {path.name}\n")
    out.write_text("".join(lines), encoding="utf-8")


# -- main ---------------------------------------------------------------------------------------


def build(dist: Path, work: Path) -> list[Path]:
    meta = project()
    versions = check_pins()
    epoch = source_epoch()
    log(f"PyInstaller: {SPEC.relative_to(ROOT)} -> {dist / NAME}")
    seconds = freeze(dist, work, epoch)
    folder = dist / NAME
    (folder / "BUILD-INFO.txt").write_text(build_info(meta["version"], versions, epoch))
    check_version(folder, meta["version"])
    log(f"one-folder build in {seconds:.0f} s, {folder_size(folder) / 1e6:.0f} MB")
    if sys.platform != "linux":
        log("installers for this platform: see packaging/windows/ or packaging/macos/")
        return [folder]
    arch = platform.machine()
    tarball = dist / f"{NAME}-{meta['version']}-linux-{arch}.tar.gz"
    deb = dist / f"{NAME}_{meta['version']}_amd64.deb"
    log(f"writing {tarball.name}")
    make_tarball(folder, tarball, epoch)
    needs = system_needs(folder)
    stage_deb(folder, work / "deb", meta, needs)
    log(f"writing {deb.name}")
    make_deb(work / "deb", deb, epoch)
    write_sums([deb, tarball], dist / "SHA256SUMS")
    for path in (tarball, deb):
        log(f"{path.name}: {path.stat().st_size / 1e6:.1f} MB")
    return [folder, tarball, deb, dist / "SHA256SUMS"]


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lock", action="store_true", help="rewrite constraints.txt and stop")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="where artefacts go")
    parser.add_argument("--work", type=Path, default=ROOT / "build", help="scratch folder")
    args = parser.parse_args(argv)
    try:
        if args.lock:
            CONSTRAINTS.write_text(lock_text(), encoding="utf-8")
            log(f"wrote {CONSTRAINTS.relative_to(ROOT)}")
            return 0
        for path in build(args.dist.resolve(), args.work.resolve()):
            print(path)
    except BuildError as exc:
        log(f"failed: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
