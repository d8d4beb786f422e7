"""Ids that mean one thing forever: never reused after a delete, and no user with the id of a
Worksection sentinel (0 "Manager isn't assigned", 1 NOONE, 2 ANY).

``IdField`` is the primary key of every table whose ids leave the server: on SQLite it is
``AUTOINCREMENT`` (plain rowids hand a deleted maximum out again); PostgreSQL sequences never
go back. ``models/renumber.py`` upgrades older databases.
"""

from __future__ import annotations

from typing import Any

from peewee import SQL, AutoField, NodeList, SqliteDatabase, fn

from models.base import BaseModel, db

USER_ID_START = 1000  # ids below are reserved: Worksection's own user ids are large numbers


class IdField(AutoField):
    """An auto-incrementing id that is never handed out twice."""

    def ddl(self, ctx):
        node_list = super().ddl(ctx)
        if isinstance(db.obj, SqliteDatabase):
            return NodeList((node_list, SQL("AUTOINCREMENT")))
        return node_list


def next_id(model: type[BaseModel]) -> list[Any]:
    """The next id of ``model`` as a column to select with a row read before its insert, so
    that the insert, its id known, can wait to go with the statements after it: PostgreSQL's
    ``nextval`` (no statement of its own). No column on SQLite, where an insert's id costs
    nothing."""
    if isinstance(db.obj, SqliteDatabase):
        return []
    return [fn.nextval(fn.pg_get_serial_sequence(model._meta.table_name,
                                                 model._meta.primary_key.column_name))]


def autoincrements(model: type[BaseModel]) -> bool:
    row = db.execute_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                         (model._meta.table_name,)).fetchone()
    return row is None or "AUTOINCREMENT" in row[0].upper()


def rebuild(model: type[BaseModel]) -> None:
    """Recreate an SQLite table with its current DDL and copy its rows (ids kept)."""
    table = model._meta.table_name
    columns = ", ".join(f'"{c.name}"' for c in db.get_columns(table))
    indexes = [row[0] for row in db.execute_sql(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
        (table,)).fetchall()]
    db.execute_sql("PRAGMA foreign_keys = OFF")
    db.execute_sql("PRAGMA legacy_alter_table = ON")  # references keep naming the table
    try:
        with db.atomic():
            for index in indexes:
                db.execute_sql(f'DROP INDEX "{index}"')
            db.execute_sql(f'ALTER TABLE "{table}" RENAME TO "{table}__old"')
            model.create_table(safe=False)
            db.execute_sql(f'INSERT INTO "{table}" ({columns})'
                           f' SELECT {columns} FROM "{table}__old"')
            db.execute_sql(f'DROP TABLE "{table}__old"')
    finally:
        db.execute_sql("PRAGMA legacy_alter_table = OFF")
        db.execute_sql("PRAGMA foreign_keys = ON")


def start_ids_at(model: type[BaseModel], start: int) -> None:
    """The next id of ``model`` is at least ``start`` (never lowered)."""
    table = model._meta.table_name
    if isinstance(db.obj, SqliteDatabase):
        if not db.execute_sql("SELECT 1 FROM sqlite_sequence WHERE name = ?", (table,)).fetchone():
            db.execute_sql("INSERT INTO sqlite_sequence (name, seq) VALUES (?, 0)", (table,))
        db.execute_sql("UPDATE sqlite_sequence SET seq = ? WHERE name = ? AND seq < ?",
                       (start - 1, table, start - 1))
        return
    sequence = db.execute_sql("SELECT pg_get_serial_sequence(%s, 'id')", (table,)).fetchone()[0]
    last, called = db.execute_sql(f"SELECT last_value, is_called FROM {sequence}").fetchone()
    # Rows inserted with their id (a renumbering) do not move a sequence: past them too.
    top = model.select(model.id).order_by(model.id.desc()).scalar() or 0
    if (last if called else last - 1) < max(start - 1, top):
        db.execute_sql("SELECT setval(%s, %s, true)", (sequence, max(start - 1, top)))
