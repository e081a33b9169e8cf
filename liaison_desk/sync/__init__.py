"""Sync: identities, enrolment, the oplog merge and the signed, encrypted bundle. Qt-free."""
