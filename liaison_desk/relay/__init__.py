"""The relay HQ runs: mailboxes of opaque bundles, for stations that come online now and then.

It holds no key that opens a bundle; it checks who is asking (signed
requests, HQ's signed roster) and moves ciphertext. Qt-free and vault-free: it
uses only the bundle's wire format (identities, request signatures, the roster,
bundle headers and names), as tests/test_architecture.py checks.
"""
