"""Whole-train backup and restore: one versioned JSON document holding a train and everything in it.

- registry.py: which tables a backup holds (parents first) and what it leaves out, with the reason;
- format.py: the envelope (format name, version, checksum);
- dump.py: `write_backup(train, out)`, streamed table by table from one consistent read;
- restore.py: `restore_backup(raw)`, whole or not at all, refusing with the reason;
- views.py: the RTE's download (the train's page and `GET /api/v1/trains/<train>/backup/`).

Restoring is the operator's: `manage.py restore_train <file>` (no web door: it creates accounts and
takes ids in the whole database). `manage.py backup_train <train> [-o file]` writes one.
"""
