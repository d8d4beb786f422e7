"""Statements rendered once and run many times.

Rendering a Peewee query to SQL costs more than running it on a small table. A
:class:`Statement` holds the SQL of a query and its parameters, some of them :func:`slot`
placeholders filled at each run; :func:`compiled` keeps one per query shape (a key the caller
chooses: which clauses and columns, never the values), per database kind."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from peewee import Value

from models.base import db


class Slot:
    """A parameter given at each run of a statement, by name."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Slot({self.name!r})"


def slot(name: str) -> Value:
    """A placeholder for a value given when the statement runs (never converted by a field:
    give it as the database takes it)."""
    return Value(Slot(name), converter=False)


class Statement:
    """The SQL of a query and its parameters; slots are filled by name at each run."""

    __slots__ = ("sql", "params", "slots")

    def __init__(self, query: Any) -> None:
        self.sql, self.params = db.get_sql_context().sql(query).query()
        self.slots = [(i, p.name) for i, p in enumerate(self.params) if isinstance(p, Slot)]

    def values(self, given: dict[str, Any]) -> list[Any]:
        params = list(self.params)
        for index, name in self.slots:
            params[index] = given[name]
        return params

    def run(self, **given: Any) -> None:
        db.execute_sql(self.sql, self.values(given))

    def rows(self, **given: Any) -> list[tuple]:
        return db.execute_sql(self.sql, self.values(given)).fetchall()

    def one(self, **given: Any) -> tuple | None:
        return db.execute_sql(self.sql, self.values(given)).fetchone()

    def objects(self, model: Any, **given: Any) -> Any:
        """The rows as ``model`` instances (the statement selects the model's columns)."""
        return model.raw(self.sql, *self.values(given))

    def first(self, model: Any, **given: Any) -> Any:
        """The first row as a ``model`` instance, or None: a statement of ``model.select()``,
        whose columns are the model's fields in their order (no column names resolved)."""
        row = self.one(**given)
        return None if row is None else loaded(model, row)


def loaded(model: Any, row: tuple) -> Any:
    """A ``model`` instance of a row of its fields, converted as Peewee converts them."""
    instance = model(__no_default__=1)
    instance.__data__ = {field.name: field.python_value(value) for field, value
                         in zip(model._meta.sorted_fields, row, strict=True)}
    return instance


CACHE: dict[Hashable, Statement] = {}


def compiled(key: Hashable | None, build: Callable[[], Any]) -> Statement:
    """The statement of ``build()``'s query, rendered once per ``key`` and database kind
    (``None``: a query that embeds values, rendered every time)."""
    if key is None:
        return Statement(build())
    key = (type(db.obj), key)
    statement = CACHE.get(key)
    if statement is None:
        statement = CACHE[key] = Statement(build())
    return statement


def inserted(row: Any) -> Any:
    """Insert a new model instance, as ``row.save()`` would, by a statement rendered once per
    model and set of columns; sets and returns its primary key."""
    model, data = type(row), row.__data__
    fields = model._meta.fields
    names = tuple(name for name in data if name != model._meta.primary_key.name)
    statement = compiled(("insert", model, names), lambda: model.insert(
        {fields[name]: slot(name) for name in names}))
    cursor = db.execute_sql(statement.sql, statement.values(
        {name: fields[name].db_value(data[name]) for name in names}))
    found = cursor.fetchone() if "RETURNING" in statement.sql else None
    row._pk = found[0] if found else cursor.lastrowid
    row._dirty.clear()
    return row._pk
