"""The backup file's envelope: its name, its version, and how its checksum is taken.

A backup is one JSON document:

    {"format": "artops-train-backup", "version": 1, "created_at": "2026-12-05T12:00:00+00:00",
     "tables": {"planning.feature": [{"id": 7, "train": 1, "title": "…", …}, …], …},
     "train": "aurora",
     "users": [{"username": "rte", "first_name": "Rita", "last_name": "Engel", "email": "…"}, …],
     "checksum": "sha256:…"}

`checksum` is the SHA-256 of the canonical JSON (keys sorted, no spaces, UTF-8) of the object
{"tables": …, "train": …, "users": …}: a file edited or cut short after it was written is refused,
whatever the editor did to its layout.
"""

from __future__ import annotations

import hashlib
import json

FORMAT = "artops-train-backup"
VERSION = 1
CHECKSUM_PREFIX = "sha256:"
# The parts of the document the checksum covers, in the order canonical JSON writes them.
COVERED = ("tables", "train", "users")


def canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def checksum_of(document: dict) -> str:
    covered = {key: document[key] for key in COVERED}
    return CHECKSUM_PREFIX + hashlib.sha256(canonical(covered).encode("utf-8")).hexdigest()
