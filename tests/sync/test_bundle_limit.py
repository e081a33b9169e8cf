"""The largest bundle a vault reads: its own setting, checked before anything is hashed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from liaison_desk.core.errors import ValidationError
from liaison_desk.core.records import Attachment, Contact
from liaison_desk.core.vault import Vault
from liaison_desk.sync.bundle_limit import DEFAULT_MIB, max_bundle_mib, set_max_bundle_mib
from liaison_desk.sync.errors import BundleRefused
from liaison_desk.sync.importing import import_bundle
from tests.sync.helpers import hq_and_two_stations, send


def test_a_bundle_over_the_vault_s_limit_waits_until_the_limit_is_raised(tmp_path: Path) -> None:
    with hq_and_two_stations(tmp_path) as (hq, paris, _):
        owner = paris.store.add(Contact(full_name="Col. Dubois"))
        scan = os.urandom(3 << 20)
        paris.store.add(
            Attachment(owner_id=owner.id, name="scan.pdf", mime="application/pdf", data=scan)
        )
        sent = send(paris, hq, tmp_path / "usb")
        assert max_bundle_mib(hq.conn) == DEFAULT_MIB == 2048

        assert set_max_bundle_mib(hq, 2) == 2
        with pytest.raises(BundleRefused) as refused:
            import_bundle(hq, sent.path)
        assert refused.value.reason == "too-large"
        assert "more than the 2 MiB this vault accepts" in refused.value.message
        assert max_bundle_mib(paris.conn) == DEFAULT_MIB  # a setting of one vault, not synced

        assert set_max_bundle_mib(hq, None) == DEFAULT_MIB
        assert import_bundle(hq, sent.path).status == "applied"


@pytest.mark.parametrize("mib", [0, -1, (1 << 20) + 1])
def test_a_limit_the_format_cannot_mean_is_refused(vault: Vault, mib: int) -> None:
    with pytest.raises(ValidationError, match="between 1 and 1,048,576 MiB"):
        set_max_bundle_mib(vault, mib)
    assert max_bundle_mib(vault.conn) == DEFAULT_MIB
