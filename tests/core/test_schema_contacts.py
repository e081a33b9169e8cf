"""Schema 6: a vault whose contacts held their phones, emails and address keeps every value."""

from __future__ import annotations

import json
from pathlib import Path

from liaison_desk.core.contact_details import details_of
from liaison_desk.core.drafts import drafts
from liaison_desk.core.legacy_points import derived_id
from liaison_desk.core.records import Contact
from liaison_desk.core.schema import MIGRATIONS
from liaison_desk.core.search import search
from liaison_desk.core.vault import Vault
from liaison_desk.sync.conflicts import list_conflicts, resolve
from tests.conftest import FAST_KDF, PASSPHRASE
from tests.core.old_vaults import BEFORE_CONTACT_POINTS, write_v5_contact


def _old_vault(vault_dir: Path) -> tuple[str, str, str]:
    """A version 5 vault: two contacts with points, one without; a conflict and a draft."""
    old, _ = Vault.create(
        vault_dir, PASSPHRASE, name="Old", kdf=FAST_KDF, migrations=BEFORE_CONTACT_POINTS
    )
    helene = write_v5_contact(
        old,
        "Hélène Girard",
        phones=("+33 1 44 42 30 11", "+33 6 12 34 56 78", "+1 202 555 0100"),
        emails=("helene.girard@defense.gouv.example", "h.girard@example.fr"),
        address="60 boulevard du Général Martial Valin\n75015 Paris",
        later_phones=("+33 1 44 42 30 12", "+33 6 12 34 56 78"),
        country="FR",
        marking="RESTRICTED",
    )
    jonas = write_v5_contact(old, "Jonas Berg", emails=("jonas.berg@mil.example.no",))
    nobody = write_v5_contact(old, "Ana Sousa")
    (clocks,) = old.conn.execute("SELECT clocks FROM contacts WHERE id = ?", (helene,)).fetchone()
    held, other = json.loads(clocks)["phones"], json.loads(clocks)["*"]
    old.conn.execute(
        "INSERT INTO conflicts (entity, record_id, field, local_value, local_clock, "
        "remote_value, remote_clock, detected_at) VALUES ('contact', ?, 'phones', ?, ?, ?, "
        "?, '2026-01-01T00:00:00Z')",
        (
            helene,
            json.dumps(["+33 1 44 42 30 12", "+33 6 12 34 56 78"]),
            held,
            '["+33 9 99"]',
            other,
        ),
    )
    typed = {"full_name": "Jonas Berg", "phones": ["+47 22 00 00 00"], "notes": "Oslo"}
    typed |= {"emails": ["jonas.berg@mil.example.no"], "address": ""}
    old.conn.execute(
        "INSERT INTO drafts VALUES ('contact:x', 'contact', ?, ?, '2026-01-01T00:00:00Z')",
        (jonas, json.dumps(typed)),
    )
    old.lock()
    return helene, jonas, nobody


def test_a_version_five_vault_keeps_every_phone_email_and_address(vault_dir: Path) -> None:
    helene, jonas, nobody = _old_vault(vault_dir)

    with Vault.unlock(vault_dir, PASSPHRASE) as today:
        assert today.info.schema_version == len(MIGRATIONS)
        columns = {r[1] for r in today.conn.execute("PRAGMA table_info(contacts)")}
        assert not {"phones", "emails", "address"} & columns
        assert {c.full_name for c in today.store.list(Contact)} == {
            "Hélène Girard",
            "Jonas Berg",
            "Ana Sousa",
        }

        points = details_of(today.store, helene).points
        assert [(p.channel, p.value, p.e164) for p in points] == [
            ("phone", "+33 1 44 42 30 12", "+33144423012"),
            ("phone", "+33 6 12 34 56 78", "+33612345678"),
            ("email", "helene.girard@defense.gouv.example", None),
            ("email", "h.girard@example.fr", None),
            ("address", "60 boulevard du Général Martial Valin\n75015 Paris", None),
        ]
        assert [p.id for p in points] == [
            derived_id(helene, "phone", 0),
            derived_id(helene, "phone", 1),
            derived_id(helene, "email", 0),
            derived_id(helene, "email", 1),
            derived_id(helene, "address", 0),
        ]
        assert {p.marking for p in points} == {"RESTRICTED"}
        clocks = json.loads(
            today.conn.execute("SELECT clocks FROM contacts WHERE id = ?", (helene,)).fetchone()[0]
        )
        assert set(clocks) == {"*", "phones"}  # the old fields' clocks stay with the contact
        (phone_clocks,) = today.conn.execute(
            "SELECT clocks FROM contact_points WHERE id = ?", (points[0].id,)
        ).fetchone()
        assert json.loads(phone_clocks) == {"*": clocks["phones"]}  # as the old op stamped it
        (email_clocks,) = today.conn.execute(
            "SELECT clocks FROM contact_points WHERE id = ?", (points[2].id,)
        ).fetchone()
        assert json.loads(email_clocks) == {"*": clocks["*"]}
        assert [p.value for p in details_of(today.store, jonas).points] == [
            "jonas.berg@mil.example.no"
        ]
        assert details_of(today.store, nobody).points == ()

        for words in ("33612345678", "Valin", "jonas.berg@mil.example.no"):
            assert len(search(today.store, words)) == 1, words

        (draft,) = drafts(today)
        assert draft.fields == {
            "full_name": "Jonas Berg",
            "notes": "Oslo\nPhones: +47 22 00 00 00",  # typed, unsaved: kept where it is seen
        }

        (conflict,) = list_conflicts(today)
        assert (conflict.field, conflict.status) == ("phones", "open")
        resolve(today, conflict.n, "theirs")
        assert [p.value for p in details_of(today.store, helene).points][:2] == [
            "+33 9 99",
            "helene.girard@defense.gouv.example",
        ]
