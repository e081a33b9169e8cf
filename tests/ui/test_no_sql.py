"""The GUI runs no SQL and decides no transaction: every vault read and write is a core call.

Read from the syntax tree of every module under liaison_desk/ui, so a comment
or a docstring mentioning `.execute` is no finding, and an SQL string split
over lines or built in an f-string still is.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

UI = Path(__file__).resolve().parents[2] / "liaison_desk" / "ui"
SQL_CALLS = frozenset({"execute", "executemany", "executescript"})
SQL_MODULES = frozenset({"sqlite3", "sqlcipher3", "sqlite_utils"})
# SQL as this code base writes it: upper-case keywords, then what they act on.
SQL_TEXT = re.compile(
    r"\bSELECT\b[\s\S]+?\bFROM\s+\w"
    r"|\bINSERT\s+(?:OR\s+\w+\s+)?INTO\s+\w"
    r"|\bUPDATE\s+\S+\s+SET\b"
    r"|\bDELETE\s+FROM\s+\w"
    r"|\b(?:BEGIN|COMMIT|ROLLBACK|PRAGMA)\b"
)


def _text_of(node: ast.Constant | ast.JoinedStr) -> str | None:
    """A string literal's text; an f-string's with each {…} read as a name."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    parts = [
        v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "x"
        for v in node.values
    ]
    return "".join(parts)


def sql_findings(source: str, name: str = "<source>") -> list[str]:
    """Every place in `source` that runs SQL or holds a transaction, as "name:line: what"."""
    found: list[str] = []
    tree = ast.parse(source, name)
    fstrings = [node for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)]
    inside_fstring = {id(part) for node in fstrings for part in node.values}
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Attribute) and node.attr == "conn":
            found.append(f"{name}:{line}: reaches for the connection (.conn)")
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in SQL_CALLS:
                found.append(f"{name}:{line}: runs SQL (.{called})")
            elif called == "transaction":
                found.append(f"{name}:{line}: opens a transaction")
        elif isinstance(node, ast.Import | ast.ImportFrom):
            modules = (
                [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            )
            for module in modules:
                if (module or "").split(".")[0] in SQL_MODULES:
                    found.append(f"{name}:{line}: imports {module}")
        elif isinstance(node, ast.Constant | ast.JoinedStr) and id(node) not in inside_fstring:
            text = _text_of(node)
            if text is not None and SQL_TEXT.search(text):
                found.append(f"{name}:{line}: holds SQL text {text[:40]!r}")
    return found


def test_no_module_of_the_gui_runs_sql() -> None:
    modules = sorted(UI.rglob("*.py"))
    assert len(modules) > 20  # the walk found the GUI
    found = [f for path in modules for f in sql_findings(path.read_text(), path.name)]
    assert found == []


@pytest.mark.parametrize(
    ("snippet", "what"),
    [
        ("rows = vault.conn.execute('SELECT 1')", "reaches for the connection"),
        ("cursor.execute(query)", "runs SQL (.execute)"),
        ("cursor.executemany(query, rows)", "runs SQL (.executemany)"),
        ("conn.executescript(script)", "runs SQL (.executescript)"),
        ("with vault.store.transaction():\n    pass", "opens a transaction"),
        ("import sqlcipher3", "imports sqlcipher3"),
        ("from sqlite_utils import Database", "imports sqlite_utils"),
        ("Q = 'SELECT id, name FROM contacts WHERE deleted = 0'", "holds SQL text"),
        ("Q = ('SELECT id\\n'\n     '  FROM contacts')", "holds SQL text"),
        ("Q = f'UPDATE {table} SET name = ?'", "holds SQL text"),
        ("Q = f'DELETE FROM {table} WHERE id = ?'", "holds SQL text"),
        ("Q = 'INSERT OR IGNORE INTO drafts (key) VALUES (?)'", "holds SQL text"),
        ("Q = 'PRAGMA user_version'", "holds SQL text"),
    ],
)
def test_the_check_catches_sql_planted_in_a_module(snippet: str, what: str) -> None:
    found = sql_findings(snippet, "planted.py")
    assert found, f"missed: {snippet}"
    assert all(f.startswith("planted.py:") for f in found)
    assert any(what in f for f in found), found


def test_words_that_merely_look_like_sql_are_not_findings() -> None:
    source = (
        '"""Select a station from the list; updates set nothing here."""\n'
        "HINT = 'Select one of the contacts to see it here. Delete removes it.'\n"
        "# vault.conn.execute('SELECT 1') in a comment is not code\n"
        "label.setText(f'Updated {count} rows from the drive')\n"
    )
    assert sql_findings(source) == []
