"""The relay HQ runs: mailboxes of opaque bundles, for stations that come online now and then.

It holds no key that opens a bundle; it checks who is asking (signed
requests, HQ's signed roster) and moves ciphertext. Qt-free; it uses `sync`
only for identities, request signatures, the roster and bundle headers.
"""
