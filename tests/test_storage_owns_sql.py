"""All SQL lives in app/storage (and app/central, the PostgreSQL store, which owns its SQL the
same way): no SQL text, no `execute(`, no sqlite import anywhere else in
app/, so a second database backend means new storage modules, not a hunt through the app.

SQL here is written in capitals (the house style), which keeps English prose ("select a file
from the list") out of the net.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import ROOT

APP = ROOT / "app"
STORAGE = APP / "storage"
CENTRAL = APP / "central"  # the second backend: new storage modules, as the rule intends

SQL = re.compile(
    r"\bSELECT\b[\s\S]*\bFROM\b"
    r"|\bINSERT\s+(OR\s+[A-Z]+\s+)?INTO\b"
    r"|\bUPDATE\s+\w+\s+SET\b"
    r"|\bDELETE\s+FROM\b"
    r"|\b(CREATE|DROP|ALTER)\s+(VIRTUAL\s+)?(TABLE|INDEX|TRIGGER|VIEW)\b"
    r"|\bPRAGMA\s+\w+"
    r"|\bMATCH\s+\?"
    r"|^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT)\b"
)
EXECUTE = {"execute", "executemany", "executescript", "_fetch"}
DRIVERS = {"sqlite3", "sqlite_utils", "psycopg"}


def _strings(node: ast.AST) -> list[tuple[int, str]]:
    """Every string literal under `node`, an f-string's literal parts joined (so SQL split
    over adjacent literals or around `{...}` is read whole)."""
    found: list[tuple[int, str]] = []
    parts: set[int] = set()  # the literal pieces of f-strings, already read with their whole
    for n in ast.walk(node):
        if isinstance(n, ast.JoinedStr):
            parts.update(id(v) for v in n.values)
            text = "".join(
                v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "{}"
                for v in n.values
            )
            found.append((n.lineno, text))
        elif isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in parts:
            found.append((n.lineno, n.value))
    return found


def sql_uses(source: str, name: str = "<src>") -> list[str]:
    """Where `source` holds SQL, runs a statement or imports a database driver."""
    tree = ast.parse(source, name)
    problems = [
        f"{name}:{line}: SQL {text[:60]!r}" for line, text in _strings(tree) if SQL.search(text)
    ]
    for n in ast.walk(tree):
        if isinstance(n, ast.Attribute) and n.attr in EXECUTE:
            problems.append(f"{name}:{n.lineno}: .{n.attr}")
        elif isinstance(n, ast.Import):
            for alias in n.names:
                if alias.name.split(".")[0] in DRIVERS:
                    problems.append(f"{name}:{n.lineno}: import {alias.name}")
        elif isinstance(n, ast.ImportFrom) and (n.module or "").split(".")[0] in DRIVERS:
            problems.append(f"{name}:{n.lineno}: from {n.module} import")
    return problems


def _scan(paths: list[Path]) -> list[str]:
    return [
        problem
        for p in paths
        for problem in sql_uses(p.read_text(encoding="utf-8"), str(p.relative_to(ROOT)))
    ]


def test_no_sql_in_app_outside_storage() -> None:
    outside = sorted(
        p for p in APP.rglob("*.py") if STORAGE not in p.parents and CENTRAL not in p.parents
    )
    assert len(outside) > 80  # the whole app is scanned, not an empty glob
    assert _scan(outside) == []


def test_the_scan_sees_the_sql_that_storage_holds() -> None:
    found = _scan(sorted(STORAGE.glob("*.py")))
    for what in (
        "INSERT INTO marks",
        "FROM audit",
        "FROM event_text",
        "INTO assessor_meta",
        "PRAGMA",
    ):
        assert any(what in p for p in found), what
    assert any(p.endswith(": .execute") for p in found)
    assert any(p.endswith(": from sqlite_utils import") for p in found)


def test_the_scan_catches_each_way_of_running_sql() -> None:
    cases = {
        'db.execute("x")': ".execute",
        "store._fetch(q)": "._fetch",
        "import sqlite3": "import sqlite3",
        "from sqlite_utils import Database": "from sqlite_utils import",
        'q = "SELECT id FROM sessions"': "SQL",
        'q = ("SELECT id, "\n     "t FROM events")': "SQL",
        'q = f"SELECT {cols} FROM marks"': "SQL",
        'q = "INSERT INTO marks (x) VALUES (?)"': "SQL",
        "q = 'UPDATE sessions SET status = ?'": "SQL",
        "q = 'DELETE FROM audit'": "SQL",
        "q = 'CREATE TRIGGER t BEFORE UPDATE ON marks'": "SQL",
        "q = 'PRAGMA user_version'": "SQL",
        "q = 'BEGIN IMMEDIATE'": "SQL",
    }
    for source, expected in cases.items():
        problems = sql_uses(source)
        assert len(problems) == 1 and expected in problems[0], (source, problems)
    prose = (
        '"""Rows are append-only: triggers refuse UPDATE and DELETE."""\nlabel = "Select a file"'
    )
    assert sql_uses(prose) == []
