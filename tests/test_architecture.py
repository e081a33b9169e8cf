"""The arrows of DESIGN.md: core and sync never import Qt."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "liaison_desk"
QT_FREE = ("core", "sync", "relay")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_qt_free_packages_do_not_import_pyside6_in_source() -> None:
    checked = 0
    for part in QT_FREE:
        for path in (PACKAGE / part).rglob("*.py") if (PACKAGE / part).exists() else ():
            checked += 1
            offenders = {m for m in imported_modules(path) if m.split(".")[0] == "PySide6"}
            assert not offenders, f"{path.relative_to(PACKAGE)} imports {offenders}"
            assert not any(m.startswith("liaison_desk.ui") for m in imported_modules(path)), path
    assert checked > 10


def test_importing_core_and_cli_loads_no_qt() -> None:
    modules = sorted(
        "liaison_desk." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts)
        for part in (*QT_FREE, "cli")
        if (PACKAGE / part).exists()
        for p in (PACKAGE / part).rglob("*.py")
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m.removesuffix('.__init__'))\n"
        "print(sorted(n for n in sys.modules if n.startswith('PySide6')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
