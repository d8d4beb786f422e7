"""Upgrading an older database's ids: SQLite tables made without ``AUTOINCREMENT`` are
rebuilt, users below ``USER_ID_START`` (the owner was 1 = NOONE, the next user 2 = ANY) move
above every id in use, every reference following them (foreign keys, the user objects inside
events' ``new``/``old``, idempotency callers), in one transaction; the user ids then start at
``USER_ID_START``."""

from __future__ import annotations

import json
from typing import Any

from peewee import SQL, ForeignKeyField, SqliteDatabase

from models.base import BaseModel, db
from models.events import Event
from models.idempotency import StoredResponse
from models.ids import USER_ID_START, IdField, autoincrements, rebuild, start_ids_at


def upgrade_ids(models: list[type[BaseModel]], users: type[BaseModel]) -> None:
    if isinstance(db.obj, SqliteDatabase):
        for model in models:
            if isinstance(model._meta.primary_key, IdField) and not autoincrements(model):
                rebuild(model)
    with db.atomic():
        renumber_users(models, users)
        start_ids_at(users, USER_ID_START)


def renumber_users(models: list[type[BaseModel]], users: type[BaseModel]) -> dict[int, int]:
    """Move every user below ``USER_ID_START`` to a new id above every id in use."""
    old = list(users.select().where(users.id < USER_ID_START).order_by(users.id).dicts())
    if not old:
        return {}
    top = users.select(users.id).order_by(users.id.desc()).scalar()
    moves = {row["id"]: max(top, USER_ID_START - 1) + n for n, row in enumerate(old, 1)}
    users.update(email=SQL("'renumbering:' || id")).where(users.id < USER_ID_START).execute()
    users.insert_many([{**row, "id": moves[row["id"]]} for row in old]).execute()
    for model, field in references(models, users):
        for before, after in moves.items():
            model.update({field: after}).where(field == before).execute()
    follow_in_texts(moves)
    users.delete().where(users.id < USER_ID_START).execute()
    return moves


def references(models: list[type[BaseModel]], users: type[BaseModel]):
    for model in models:
        for field in model._meta.sorted_fields:
            if isinstance(field, ForeignKeyField) and field.rel_model is users:
                yield model, field


def follow_in_texts(moves: dict[int, int]) -> None:
    """User ids stored inside texts: events' ``new``/``old`` and idempotency callers."""
    for event in Event.select().where(Event.new.is_null(False) | Event.old.is_null(False)):
        new, old = (moved_refs(value, moves) for value in (event.new_values, event.old_values))
        Event.update(new=dumps(new), old=dumps(old)).where(Event.id == event.id).execute()
    for before, after in moves.items():
        (StoredResponse.update(caller=f"user:{after}")
         .where(StoredResponse.caller == f"user:{before}").execute())


def moved_refs(value: Any, moves: dict[int, int]) -> Any:
    """``value`` with every embedded user ``{"id", "email", ...}`` pointing at its new id."""
    if isinstance(value, list):
        return [moved_refs(item, moves) for item in value]
    if not isinstance(value, dict):
        return value
    value = {key: moved_refs(item, moves) for key, item in value.items()}
    if "email" in value and str(value.get("id", "")).isdigit():
        moved = moves.get(int(value["id"]))
        if moved is not None and value["email"] not in ("ANY", "NOONE"):
            value["id"] = str(moved) if isinstance(value["id"], str) else moved
    return value


def dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


