"""Rules HQ publishes inside protocol references: read back, and refused when malformed."""

from __future__ import annotations

import pytest

from liaison_desk.core.errors import ValidationError
from liaison_desk.core.records import ProtocolRef
from liaison_desk.core.structured_refs import rules_of
from liaison_desk.core.vault import Vault

BODY = """Gifts above the limit are declared.

```rules
{"currency": "EUR", "received": 150}
```

Anything else is prose.
"""


def test_rules_are_read_from_the_fenced_block() -> None:
    assert rules_of(BODY) == {"currency": "EUR", "received": 150}
    assert rules_of("Only prose, and a ```json block that is not ours.") is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('Intro\n\n```rules\n{"a": 1,\n}\n```\n', "not valid JSON at line 5"),
        ("```rules\n[1, 2]\n```\n", "JSON object"),
        ("```rules\n{}\n```\n```rules\n{}\n```\n", "not several"),
    ],
)
def test_a_malformed_block_is_refused_when_saved(vault: Vault, body: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        vault.store.add(ProtocolRef(title="Gift limits", body=body, category="gifts-hospitality"))
    assert vault.store.list(ProtocolRef) == []


def test_a_reference_with_rules_is_kept_with_its_body(vault: Vault) -> None:
    ref = vault.store.add(ProtocolRef(title="Gift limits", body=BODY, category="gifts-hospitality"))
    assert rules_of(vault.store.get(ProtocolRef, ref.id).body) == {
        "currency": "EUR",
        "received": 150,
    }
