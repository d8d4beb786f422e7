"""The rows the database deletes together: following the ON DELETE CASCADE keys between
the models an import tracks, down (what a deletion takes with it) or up (what would take a
row with it)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from peewee import ForeignKeyField

from models.base import BaseModel

CHUNK = 500
Ids = dict[type[BaseModel], set[int]]
Step = Callable[[type[BaseModel], ForeignKeyField, type[BaseModel], list[int]],
                tuple[type[BaseModel], Iterable[int]] | None]


def below(roots: Ids, tracked: set[type[BaseModel]]) -> Ids:
    """``roots`` and every row of ``tracked`` the database deletes with them (ON DELETE
    CASCADE, at any depth)."""
    def children(child, key, model, chunk):
        if key.rel_model is not model:
            return None
        return child, child.select(child.id).where(key.in_(chunk)).scalars()
    return walk(roots, tracked, children)


def above(rows: Ids, tracked: set[type[BaseModel]]) -> Ids:
    """``rows`` and every row of ``tracked`` whose deletion would delete one of them."""
    def parents(child, key, model, chunk):
        if child is not model:
            return None
        found = model.select(key).where(model.id.in_(chunk)).scalars()
        return key.rel_model, (p for p in found if p is not None)
    return walk(rows, tracked, parents)


def walk(start: Ids, tracked: set[type[BaseModel]], step: Step) -> Ids:
    """``start`` and every row ``step`` reaches from it, key by key, until nothing is new."""
    found: Ids = defaultdict(set)
    todo = list(start.items())
    for model, ids in todo:
        found[model] |= ids
    while todo:
        model, ids = todo.pop()
        for child, key in cascading(tracked):
            reached: dict[type[BaseModel], set[int]] = defaultdict(set)
            for chunk in chunks(ids):
                if (hit := step(child, key, model, chunk)) is not None:
                    reached[hit[0]].update(hit[1])
            for target, new in reached.items():
                new -= found[target]
                if new:
                    found[target] |= new
                    todo.append((target, new))
    return dict(found)


def cascading(tracked: set[type[BaseModel]]) -> list[tuple[type[BaseModel], ForeignKeyField]]:
    """(model, foreign key) of every ON DELETE CASCADE key between tracked models."""
    return [(model, key) for model in tracked for key in model._meta.fields.values()
            if isinstance(key, ForeignKeyField) and key.rel_model in tracked
            and (key.on_delete or "").upper() == "CASCADE"]


def chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ids = list(ids)
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]
