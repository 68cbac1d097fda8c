"""The central PostgreSQL store for a whole training centre (docs/central.md; no Qt here).

`schema` holds the server's tables, roles and triggers and their migration; `outbox` sends
finished and interrupted sessions from a PC's SQLite store, once each. Like app/storage, this
package owns its SQL (tests/test_storage_owns_sql.py).
"""
