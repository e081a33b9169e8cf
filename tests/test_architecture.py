"""The arrows of DESIGN.md and docs/architecture.md, checked over the real import graph.

    cli ──> ui.entry (only)        ui ──> sync ──> core
    cli ──> relay, sync, core      relay ──> the wire format (WIRE_FORMAT) only

Every `import` counts wherever it is written: at the top of a module or inside
a function (a lazy import is still an arrow). Imports under `if TYPE_CHECKING:`
count for the layer rules too (a type from above is still a dependency on it),
but not for import cycles: they never run, so they cannot form one.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "liaison_desk"
ROOT = "liaison_desk"

# The bundle's wire format: what the relay may use, and all it may use. Each of these imports
# only others of the list, so importing the relay never loads the vault (or sqlcipher3).
WIRE_FORMAT = frozenset(
    {
        "liaison_desk.sync.bundle",
        "liaison_desk.sync.bundle_names",
        "liaison_desk.sync.identity",
        "liaison_desk.sync.request_signing",
        "liaison_desk.sync.recovery_wire",
        "liaison_desk.sync.roster",
        "liaison_desk.sync.upload_plan",
        "liaison_desk.sync.errors",
        "liaison_desk.core.errors",
        "liaison_desk.core.atomic",
        "liaison_desk.core.clock",
        "liaison_desk.core.identity_keys",
        "liaison_desk.core.user_files",
    }
)
GUI_ENTRY = "liaison_desk.ui.entry"  # the CLI's one way into the GUI
BELOW = {  # the layers each layer may import, besides itself
    "core": frozenset(),
    "sync": frozenset({"core"}),
    "ui": frozenset({"core", "sync"}),
    "cli": frozenset({"core", "sync", "relay"}),
    "relay": frozenset(),  # the wire format only: see WIRE_FORMAT
    "__main__": frozenset({"cli"}),
}
QT = ("PySide6", "shiboken6", "pyqtgraph")  # pyqtgraph draws with Qt: ui/ alone


@dataclass
class ModuleGraph:
    """Module -> the modules it imports: all of them, and those that run (no TYPE_CHECKING)."""

    imports: dict[str, set[str]] = field(default_factory=dict)
    runtime: dict[str, set[str]] = field(default_factory=dict)


def module_names(package: Path) -> dict[str, Path]:
    names = {}
    for path in package.rglob("*.py"):
        parts = path.relative_to(package.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(nodes: Iterable[ast.AST], typing_only: bool = False) -> Iterable[tuple[ast.AST, bool]]:
    """Every import statement in `nodes`, and whether it sits under `if TYPE_CHECKING:`."""
    for node in nodes:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, typing_only
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _imports(node.body, True)
            yield from _imports(node.orelse, typing_only)
        else:
            yield from _imports(ast.iter_child_nodes(node), typing_only)


def _targets(node: ast.AST, importer: str, is_package: bool, known: set[str]) -> set[str]:
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    assert isinstance(node, ast.ImportFrom)
    base = node.module or ""
    if node.level:  # relative: from the importer's package
        package = importer.split(".") if is_package else importer.split(".")[:-1]
        anchor = package[: len(package) - node.level + 1]
        base = ".".join([*anchor, base] if base else anchor)
    found = set()
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        found.add(submodule if submodule in known else base)
    return found


def import_graph(package: Path) -> ModuleGraph:
    names = module_names(package)
    known = set(names)
    graph = ModuleGraph()
    for name, path in names.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        everything, running = set(), set()
        for node, typing_only in _imports([tree]):
            targets = _targets(node, name, path.name == "__init__.py", known) - {name}
            everything |= targets
            if not typing_only:
                running |= targets
        graph.imports[name] = everything
        graph.runtime[name] = running
    return graph


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def forbidden(importer: str, target: str) -> str | None:
    """Why `importer` may not import `target`, or None if it may."""
    if target.split(".")[0] in QT:
        return None if layer(importer) == "ui" else "Qt is for ui/ alone"
    if target.split(".")[0] != ROOT or target == ROOT:  # the root holds only the version
        return None
    if importer in WIRE_FORMAT and target not in WIRE_FORMAT:
        return "the wire format imports only the wire format"
    mine, theirs = layer(importer), layer(target)
    if mine == theirs:
        return None
    if mine == "relay":
        return None if target in WIRE_FORMAT else "the relay imports only the wire format"
    if mine == "cli" and theirs == "ui":
        return None if target == GUI_ENTRY else f"the CLI reaches the GUI only through {GUI_ENTRY}"
    if theirs in BELOW.get(mine, frozenset()):
        return None
    return f"{mine or ROOT} does not import {theirs}"


def violations(graph: dict[str, set[str]]) -> list[str]:
    found = []
    for importer in sorted(graph):
        for target in sorted(graph[importer]):
            why = forbidden(importer, target)
            if why is not None:
                found.append(f"{importer} imports {target}: {why}")
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of our modules that import each other, directly or around a loop (Tarjan)."""
    inside = {m: {t for t in targets if t in graph} for m, targets in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in sorted(inside[module]):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(inside)))
    for module in sorted(inside):
        if module not in index:
            visit(module)
    return sorted(found)


# -- the real package ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real() -> ModuleGraph:
    return import_graph(PACKAGE)


def test_the_package_keeps_every_arrow(real: ModuleGraph) -> None:
    assert violations(real.imports) == []


def test_the_package_has_no_import_cycle(real: ModuleGraph) -> None:
    assert cycles(real.runtime) == []


def test_the_graph_sees_the_imports_it_checks(real: ModuleGraph) -> None:
    """The checks above would pass on an empty graph: this one would not."""
    assert len(real.imports) > 100
    assert "liaison_desk.sync.bundle" in real.imports["liaison_desk.relay.app"]
    assert "PySide6.QtWidgets" in real.imports["liaison_desk.ui.app"]
    # Lazy imports, inside functions, are arrows too.
    assert GUI_ENTRY in real.imports["liaison_desk.cli.report"]
    assert "liaison_desk.relay.server" in real.imports["liaison_desk.cli.relay_cmd"]
    # `from package import module` names the module.
    assert "liaison_desk.sync.payload" in real.imports["liaison_desk.sync.exchange"]


def test_only_the_gui_entry_is_imported_by_the_cli(real: ModuleGraph) -> None:
    reached = {
        target
        for importer, targets in real.imports.items()
        if layer(importer) == "cli"
        for target in targets
        if layer(target) == "ui"
    }
    assert reached == {GUI_ENTRY}


# -- the checker, on made-up graphs -------------------------------------------------------------

ALLOWED = {
    "liaison_desk.core.vault": {"liaison_desk.core.errors", "sqlcipher3"},
    "liaison_desk.sync.exchange": {"liaison_desk.core.vault", "liaison_desk.sync.bundle"},
    "liaison_desk.sync.bundle": {"liaison_desk.sync.identity", "cryptography.hazmat"},
    "liaison_desk.relay.app": {"liaison_desk.sync.bundle", "liaison_desk.relay.store"},
    "liaison_desk.ui.app": {"PySide6.QtWidgets", "liaison_desk.sync.exchange"},
    "liaison_desk.cli.report": {GUI_ENTRY, "liaison_desk.relay.app", "liaison_desk"},
    "liaison_desk.__main__": {"liaison_desk.cli"},
}


def test_a_graph_keeping_the_arrows_passes() -> None:
    assert violations(ALLOWED) == []
    assert cycles(ALLOWED) == []


@pytest.mark.parametrize(
    ("importer", "target", "why"),
    [
        ("liaison_desk.core.vault", "liaison_desk.sync.exchange", "core does not import sync"),
        ("liaison_desk.core.store", "liaison_desk.ui.app", "core does not import ui"),
        ("liaison_desk.sync.merge", "liaison_desk.relay.app", "sync does not import relay"),
        ("liaison_desk.sync.online", "liaison_desk.cli.errors", "sync does not import cli"),
        ("liaison_desk.ui.app", "liaison_desk.cli.errors", "ui does not import cli"),
        ("liaison_desk.ui.app", "liaison_desk.relay.app", "ui does not import relay"),
        ("liaison_desk.relay.app", "liaison_desk.sync.exchange", "the relay imports only"),
        ("liaison_desk.relay.app", "liaison_desk.core.vault", "the relay imports only"),
        ("liaison_desk.sync.roster", "liaison_desk.core.vault", "the wire format imports only"),
        ("liaison_desk.cli.report", "liaison_desk.ui.reports", "the CLI reaches the GUI only"),
        ("liaison_desk.sync.online", "PySide6.QtCore", "Qt is for ui/ alone"),
        ("liaison_desk.cli.self_test", "PySide6.QtWidgets", "Qt is for ui/ alone"),
        ("liaison_desk.relay.app", "shiboken6", "Qt is for ui/ alone"),
    ],
)
def test_a_forbidden_import_is_named_with_its_reason(importer: str, target: str, why: str) -> None:
    graph = {**ALLOWED, importer: ALLOWED.get(importer, set()) | {target}}
    found = violations(graph)
    assert len(found) == 1
    assert found[0].startswith(f"{importer} imports {target}: {why}")


def test_an_import_cycle_is_found_whatever_its_length() -> None:
    graph = {
        **ALLOWED,
        "liaison_desk.sync.a": {"liaison_desk.sync.b"},
        "liaison_desk.sync.b": {"liaison_desk.sync.c", "liaison_desk.core.errors"},
        "liaison_desk.sync.c": {"liaison_desk.sync.a"},
        "liaison_desk.core.x": {"liaison_desk.core.y"},
        "liaison_desk.core.y": {"liaison_desk.core.x"},
    }
    assert cycles(graph) == [
        ["liaison_desk.core.x", "liaison_desk.core.y"],
        ["liaison_desk.sync.a", "liaison_desk.sync.b", "liaison_desk.sync.c"],
    ]


def test_lazy_and_type_checking_imports_are_read_from_source(tmp_path: Path) -> None:
    package = tmp_path / "liaison_desk"
    for part in ("core", "sync"):
        (package / part).mkdir(parents=True)
        (package / part / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "core" / "store.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from liaison_desk.sync.merge import Merger\n"
        "def later():\n"
        "    from . import vault\n"
        "    import PySide6.QtCore\n"
    )
    (package / "core" / "vault.py").write_text("from liaison_desk.core import store\n")
    (package / "sync" / "merge.py").write_text("from ..core import store\n")

    graph = import_graph(package)

    assert graph.imports["liaison_desk.core.store"] == {
        "liaison_desk.sync.merge",
        "liaison_desk.core.vault",
        "PySide6.QtCore",
        "typing",
    }
    assert "liaison_desk.sync.merge" not in graph.runtime["liaison_desk.core.store"]
    assert graph.imports["liaison_desk.sync.merge"] == {"liaison_desk.core.store"}
    assert violations(graph.imports) == [
        "liaison_desk.core.store imports PySide6.QtCore: Qt is for ui/ alone",
        "liaison_desk.core.store imports liaison_desk.sync.merge: core does not import sync",
    ]
    assert cycles(graph.runtime) == [["liaison_desk.core.store", "liaison_desk.core.vault"]]


# -- what importing really loads ----------------------------------------------------------------


def _loaded_after_importing(modules: Iterable[str], prefixes: tuple[str, ...]) -> list[str]:
    code = (
        "import importlib, sys\n"
        f"for m in {sorted(modules)!r}: importlib.import_module(m)\n"
        f"print(sorted(n for n in sys.modules if n.startswith({prefixes!r})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded: list[str] = ast.literal_eval(result.stdout.strip())
    return loaded


def test_importing_core_sync_relay_and_cli_loads_no_qt() -> None:
    modules = [
        name for name in module_names(PACKAGE) if layer(name) in ("core", "sync", "relay", "cli")
    ]
    assert len(modules) > 60
    assert _loaded_after_importing(modules, QT) == []


VAULT_SIDE = ("sqlcipher3", "liaison_desk.core.vault", "liaison_desk.core.keyslots")


def test_importing_the_relay_loads_no_vault() -> None:
    relay = [name for name in module_names(PACKAGE) if layer(name) == "relay"]
    assert "liaison_desk.relay.app" in relay
    assert _loaded_after_importing(relay, VAULT_SIDE) == []


def test_the_check_above_sees_a_vault_when_one_is_loaded() -> None:
    loaded = _loaded_after_importing(["liaison_desk.sync.exchange"], VAULT_SIDE)
    assert set(VAULT_SIDE) <= set(loaded)
