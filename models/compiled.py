"""Statements rendered once and run many times.

Rendering a Peewee query to SQL costs more than running it on a small table. A
:class:`Statement` holds the SQL of a query and its parameters, some of them :func:`slot`
placeholders filled at each run; :func:`compiled` keeps one per query shape (a key the caller
chooses: which clauses and columns, never the values), per database kind."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from peewee import Field, ForeignKeyField, IntegerField, Value, _StringField

from models.base import db, one_round_trip, run_later


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

    __slots__ = ("sql", "params", "slots", "returns")

    def __init__(self, query: Any) -> None:
        self.sql, self.params = db.get_sql_context().sql(query).query()
        self.slots = [(i, p.name) for i, p in enumerate(self.params) if isinstance(p, Slot)]
        self.returns = "RETURNING" in self.sql

    def values(self, given: dict[str, Any]) -> list[Any]:
        params = list(self.params)
        for index, name in self.slots:
            params[index] = given[name]
        return params

    def run(self, **given: Any) -> None:
        db.execute_sql(self.sql, self.values(given))

    def later(self, **given: Any) -> None:
        """Run it with the transaction's next statement (``models.base.run_later``)."""
        run_later(self.sql, self.values(given))

    def rows(self, **given: Any) -> list[tuple]:
        return db.execute_sql(self.sql, self.values(given), read_at_once=True).fetchall()

    def one(self, **given: Any) -> tuple | None:
        return db.execute_sql(self.sql, self.values(given), read_at_once=True).fetchone()

    def objects(self, model: Any, **given: Any) -> Any:
        """The rows as ``model`` instances (the statement selects the model's columns)."""
        return model.raw(self.sql, *self.values(given))

    def first(self, model: Any, **given: Any) -> Any:
        """The first row as a ``model`` instance, or None: a statement of ``model.select()``,
        whose columns are the model's fields in their order (no column names resolved)."""
        row = self.one(**given)
        return None if row is None else loaded(model, row)


def together(*runs: tuple[Statement, dict[str, Any]]) -> list[list[tuple]]:
    """The rows of reads that do not depend on each other, each statement with its values:
    one round trip on PostgreSQL (a pipeline), one statement after another on SQLite."""
    if len(runs) == 1:  # psycopg's pipeline costs more than a lone statement's round trip
        statement, given = runs[0]
        return [statement.rows(**given)]
    with one_round_trip():
        cursors = [db.execute_sql(statement.sql, statement.values(given))
                   for statement, given in runs]
    return [cursor.fetchall() for cursor in cursors]


def loaded(model: Any, row: tuple) -> Any:
    """A ``model`` instance of a row of its fields, converted as Peewee converts them."""
    instance = model(__no_default__=1)
    instance.__data__ = {name: converted(value, same, convert)
                         for (name, same, convert), value in zip(reading(model), row, strict=True)}
    return instance


def converted(value: Any, same: type | None, convert: Callable[[Any], Any]) -> Any:
    """``value`` through a field's conversion, unless it is None or of the type the field
    hands on as it is (see :func:`unchanged`)."""
    return value if value is None or type(value) is same else convert(value)


READINGS: dict[Any, tuple] = {}


def reading(model: Any) -> tuple[tuple[str, type | None, Callable[[Any], Any]], ...]:
    """Each field of ``model`` in its order: its name, the type it converts to itself, and its
    conversion from the database."""
    found = READINGS.get(model)
    if found is None:
        found = READINGS[model] = tuple((field.name, unchanged(field), field.python_value)
                                        for field in model._meta.sorted_fields)
    return found


def unchanged(field: Any) -> type | None:
    """The type of the values Peewee's ``field`` hands on as they are, both to and from the
    database (an int to an integer column, a str to a text one); None: convert them all."""
    kind = type(field)
    if isinstance(field, ForeignKeyField):
        plain = (kind.python_value is ForeignKeyField.python_value
                 and kind.db_value is ForeignKeyField.db_value)
        return unchanged(field.rel_field) if plain else None
    if kind.python_value is not Field.python_value or kind.db_value is not Field.db_value:
        return None
    return {IntegerField.adapt: int, _StringField.adapt: str}.get(kind.adapt)


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


def inserted(row: Any, later: bool = False) -> Any:
    """Insert a new model instance, as ``row.save()`` would, by a statement rendered once per
    model and set of columns; sets and returns its primary key (the one it was given, else
    the database's). ``later``: the insert may wait for the next statement
    (``models.base.run_later``); its key is then None unless it was given."""
    model, data = type(row), row.__data__
    key = model._meta.primary_key.name
    statement, writing = insert_of(model, tuple(
        name for name in data if name != key or data[name] is not None))
    values = statement.values(
        {name: converted(data[name], same, convert) for name, same, convert in writing})
    cursor = (run_later(statement.sql, values) if later
              else db.execute_sql(statement.sql, values, read_at_once=statement.returns))
    if cursor is not None:
        found = cursor.fetchone() if statement.returns else None
        row._pk = found[0] if found else cursor.lastrowid
    row._dirty.clear()
    return row._pk


def saved_later(row: Any) -> None:
    """``row.save()`` for a row read before (its key set) whose update no constraint can
    refuse: the UPDATE goes with the next statement (``models.base.run_later``)."""
    model = type(row)
    key, fields = model._meta.primary_key, model._meta.fields
    run_later(*model.update({fields[name]: value for name, value in row.__data__.items()
                             if name != key.name}).where(key == row._pk).sql())
    row._dirty.clear()


INSERTS: dict[Hashable, tuple] = {}


def insert_of(model: Any, names: tuple[str, ...]) -> tuple[Statement, tuple]:
    """The insert of these columns of ``model`` (rendered once per database kind), and each
    column's name, the type it takes as it is, and its conversion to the database."""
    key = (type(db.obj), model, names)
    found = INSERTS.get(key)
    if found is None:
        fields = model._meta.fields
        statement = compiled(("insert", model, names), lambda: model.insert(
            {fields[name]: slot(name) for name in names}))
        found = INSERTS[key] = statement, tuple(
            (name, unchanged(fields[name]), fields[name].db_value) for name in names)
    return found
