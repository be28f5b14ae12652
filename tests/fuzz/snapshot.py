"""A fingerprint of a SQLite database's data: per table, its row count and a checksum.

The audit log is left out (a refused mutation is audited, by design), and so is
when an API key was last used (every call uses one).
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

IGNORED_TABLES = frozenset({"audit_log", "alembic_version"})
IGNORED_COLUMNS = {"api_keys": frozenset({"last_used_at"})}

Snapshot = dict[str, tuple[int, str]]


def snapshot(path: Path) -> Snapshot:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
            if name not in IGNORED_TABLES
        ]
        return {table: _fingerprint(connection, table) for table in sorted(tables)}


def _fingerprint(connection: sqlite3.Connection, table: str) -> tuple[int, str]:
    ignored = IGNORED_COLUMNS.get(table, frozenset())
    columns = [
        name
        for _, name, *_ in connection.execute(f'PRAGMA table_info("{table}")')
        if name not in ignored
    ]
    selected = ", ".join(f'"{column}"' for column in columns)
    rows = sorted(repr(row) for row in connection.execute(f'SELECT {selected} FROM "{table}"'))
    digest = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return len(rows), digest


def differences(before: Snapshot, after: Snapshot) -> list[str]:
    """The tables whose data changed, with their row counts before and after."""
    return [
        f"{table}: {before.get(table, (0, ''))[0]} rows -> {after.get(table, (0, ''))[0]} rows"
        for table in sorted(before.keys() | after.keys())
        if before.get(table) != after.get(table)
    ]
