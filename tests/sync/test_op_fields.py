"""sync/op_fields.py: the fields each kind carries in an op, as the document and the vault see them.

The table in docs/bundle-format.md §6.2 is regenerated and compared, so the
document cannot drift from the code; and where the table allows `null`, the
vault's own tables allow an empty value (and nowhere else), so an op the
document accepts is one a vault can store.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from liaison_desk.core.kinds import ALL_KINDS
from liaison_desk.core.vault import Vault
from liaison_desk.sync.errors import BundleRefused
from liaison_desk.sync.op_fields import (
    BOOL,
    DELETED,
    INT,
    LEGACY,
    LIST,
    TEXT,
    markdown_table,
    op_fields,
)
from liaison_desk.sync.ops import Op
from tests.sync.helpers import make_vault

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "bundle-format.md"
STAMP = "1780000000000.00000.0123456789abcdef"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "op_field_table", ROOT / "scripts" / "op_field_table.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_documents_table_is_the_one_the_code_renders() -> None:
    script = _script()
    text = DOC.read_text(encoding="utf-8")
    assert script.spliced(text, markdown_table()) == text
    assert script.main(["--check"]) == 0


def test_the_script_rewrites_a_drifted_table() -> None:
    script = _script()
    text = DOC.read_text(encoding="utf-8")
    drifted = script.spliced(text, "| `contact` | `password`: text |\n")
    assert drifted != text
    assert script.spliced(drifted, markdown_table()) == text


def test_every_kind_has_its_fields_and_deleted() -> None:
    for kind in ALL_KINDS:
        names = [f.name for f in op_fields(kind.name)]
        legacy = [f.name for f in LEGACY.get(kind.name, ())]
        assert names == [*(f for f in kind.fields if f not in kind.not_in_oplog), DELETED, *legacy]
    contact = {f.name: (f.type, f.nullable) for f in op_fields("contact")}
    assert contact["full_name"] == (TEXT, False)
    assert contact["notes"] == (TEXT, True)
    assert contact["languages"] == (LIST, False)
    assert contact["cadence_days"] == (INT, True)
    assert contact[DELETED] == (BOOL, False)
    assert "data" not in {f.name for f in op_fields("attachment")}  # its bytes follow as blobs


@pytest.fixture
def vault(tmp_path: Path) -> Any:
    vault = make_vault(tmp_path, "hq", "hq")
    yield vault
    vault.lock()


def test_null_is_allowed_exactly_where_the_vault_stores_an_empty_value(vault: Vault) -> None:
    for kind in ALL_KINDS:
        columns = {
            row[1]: not row[3]  # name, may be NULL
            for row in vault.conn.execute(f"PRAGMA table_info({kind.table})").fetchall()
        }
        legacy = LEGACY.get(kind.name, ())
        for field in op_fields(kind.name):
            if field.name != DELETED and field not in legacy:
                assert field.nullable == columns[field.name], (kind.name, field.name)


def _op(fields: dict[str, Any], **keys: Any) -> dict[str, Any]:
    op = {
        "o": "0123456789abcdef",
        "s": 1,
        "h": STAMP,
        "e": "contact",
        "r": "019e7044-0000-7000-8000-000000000001",
        "f": fields,
        "b": {},
    }
    return {**op, **keys}


@pytest.mark.parametrize(
    ("fields", "keys", "refused"),
    [
        ({"notes": None}, {}, False),
        ({"cadence_days": None}, {}, False),
        ({"full_name": None}, {}, True),
        ({"marking": None}, {}, True),
        ({"tags": None}, {}, True),
        ({DELETED: None}, {"b": {"*": STAMP}}, True),
        ({"cadence_days": (1 << 63) - 1}, {}, False),
        ({"cadence_days": -(1 << 63)}, {}, False),
        ({"cadence_days": 1 << 63}, {}, True),
        ({"notes": "x"}, {"x": 1}, True),
        ({"notes": "x"}, {"c": None}, True),
        ({"notes": "x"}, {"c": {"*": STAMP}}, False),
        ({"phones": ["+33 1 23"], "address": None}, {"b": {"phones": STAMP}}, False),  # legacy
        ({"emails": "a@b.example"}, {}, True),
        ({"pref": 1, "channel": "phone"}, {"e": "contact_point"}, False),
        ({"pref": None}, {"e": "contact_point"}, False),
        ({"pref": True}, {"e": "contact_point"}, True),  # a boolean is no integer
        ({"phones": ["+33 1 23"]}, {"e": "contact_point"}, True),  # legacy of contacts only
        ({"relation": None}, {"e": "relation"}, True),
    ],
)
def test_an_op_is_read_by_the_table(
    fields: dict[str, Any], keys: dict[str, Any], refused: bool
) -> None:
    data = _op(fields, **keys)
    if refused:
        with pytest.raises(BundleRefused) as error:
            Op.from_json(data)
        assert error.value.reason == "malformed-payload"
    else:
        assert Op.from_json(data).fields == fields
