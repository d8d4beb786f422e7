"""The filter language of ``search_tasks``, ``get_costs`` and ``get_costs_total``: the grammar,
a parser that says where a filter goes wrong, and a compiler to a Peewee expression.

Grammar (spec §6; this is the one place it is written down)::

    filter     := disjunct END
    disjunct   := conjunct { "or" conjunct }
    conjunct   := primary { "and" primary }
    primary    := "(" disjunct ")" | condition
    condition  := FIELD OP value | FIELD "in" "(" value { "," value } ")"
    OP         := "=" | "!=" | "! =" | ">" | "<" | ">=" | "<=" | "has"
    value      := NUMBER | STRING
    NUMBER     := DIGIT { DIGIT }
    STRING     := "'" { CHAR } "'" | '"' { CHAR } '"'
    FIELD      := LETTER { LETTER | DIGIT | "_" }

``and`` binds tighter than ``or``. ``and``, ``or``, ``has`` and ``in`` are lowercase only. Spaces
between tokens are optional. Inside a string a backslash escapes a quote or a backslash
(``'O\\'Brien'``); any other backslash is a plain character. An operator may also be written in
braces (``project{=}2456``, ``id {in} (1, 2)``), as the PHP SDK's docs print them.

A field's kind decides its operators and values:

    int     = != > < >= <= in   a number (digits in quotes too), at most 2147483647
    string  = != has in         a quoted string; case is ignored; ``has`` means "contains",
                                and ``%`` or ``_`` in it are plain characters
    date    = != > < >= <= in   'DD.MM.YYYY' (or 'YYYY-MM-DD'); a moment column (date added,
                                date closed) is compared by its day

A row whose column is empty (NULL) matches no condition on that column, ``!=`` included.
Limits: ``MAX_LENGTH`` characters, ``MAX_CONDITIONS`` conditions, ``MAX_VALUES`` values in one
``in`` list, ``MAX_DEPTH`` nested parentheses.

Use: an input schema declares ``filter = Filter(TASK_FIELDS)``, which parses while the params
load, so a bad filter answers code 10 with details such as
``filter: at 14: expected a value after '=', got end of input``. The handler compiles the tree
against its own columns: ``query.where(compile_filter(params["filter"], columns))``, where
``columns`` maps each field of the ``FilterFields`` to a Peewee column. Costs use
``COST_FIELDS`` with a map such as ``{"task": Cost.task, "project": Task.project,
"comment": Cost.comment, "dateadd": Cost.date_added}`` on a query joined to ``Task``.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Mapping
from typing import Any

from marshmallow import fields
from peewee import SQL, DateTimeField, Field, Node, NodeList, fn

from schemas.envelope import FieldRequired
from schemas.filter_syntax import (
    DATE,
    INT,
    MAX_LENGTH,
    STRING,
    Condition,
    FilterFields,
    Group,
    Parser,
    SyntaxProblem,
    tokenize,
)

TASK_FIELDS = FilterFields(
    {"id": INT, "project": INT, "parent": INT, "name": STRING, "text": STRING,
     "dateadd": DATE, "datestart": DATE, "dateend": DATE, "dateclose": DATE},
    {"date_added": "dateadd", "date_start": "datestart", "date_end": "dateend",
     "date_closed": "dateclose"})

COST_FIELDS = FilterFields(
    {"task": INT, "project": INT, "comment": STRING, "dateadd": DATE},
    {"id": "task", "date_added": "dateadd"})


class FilterInvalid(FieldRequired):
    """Worksection answers a bad filter with "Field is required"; the details say why."""


def parse_filter(text: str, spec: FilterFields, param: str = "filter") -> Condition | Group:
    """The syntax tree of a filter, or ``FilterInvalid`` naming the position and the problem."""
    if len(text) > MAX_LENGTH:
        raise FilterInvalid(details=f"{param}: {len(text)} characters, more than the limit "
                                    f"of {MAX_LENGTH}")
    try:
        return Parser(tokenize(text), spec).parse()
    except SyntaxProblem as problem:
        raise FilterInvalid(details=f"{param}: at {problem.pos}: {problem.reason}") from None


class Filter(fields.Field):
    """A filter parameter, parsed when the params load into a tree for ``compile_filter``."""

    def __init__(self, spec: FilterFields, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spec = spec

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        name = self.data_key or self.name
        if not isinstance(value, str):
            raise FilterInvalid(details=f"{name}: must be a string")
        return parse_filter(value, self.spec, name)


COMPARE = {"=": operator.eq, "!=": operator.ne, ">": operator.gt, "<": operator.lt,
           ">=": operator.ge, "<=": operator.le}


def compile_filter(tree: Condition | Group, columns: Mapping[str, Field]) -> Node:
    """The tree as a Peewee expression on ``columns`` (field → column). Values are bound as
    query parameters, never written into the SQL text."""
    if isinstance(tree, Group):
        glue = " AND " if tree.joiner == "and" else " OR "
        return NodeList([compile_filter(part, columns) for part in tree.parts], glue, parens=True)
    return CONDITION_OF[tree.kind](columns[tree.field], tree.op, tree.value)


def int_condition(column: Field, op: str, value: Any) -> Node:
    return column.in_(list(value)) if op == "in" else COMPARE[op](column, value)


def string_condition(column: Field, op: str, value: Any) -> Node:
    lowered = fn.LOWER(column)  # on SQLite, models.base makes lower() fold every alphabet
    if op == "in":
        return lowered.in_([item.lower() for item in value])
    if op == "has":
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", value.lower()) + "%"
        return NodeList((lowered, SQL("LIKE"), pattern, SQL("ESCAPE '\\'")), parens=True)
    return COMPARE[op](lowered, value.lower())


def date_condition(column: Field, op: str, value: Any) -> Node:
    if not isinstance(column, DateTimeField):
        return int_condition(column, op, value)
    if op == "in":
        return NodeList([date_condition(column, "=", day) for day in value], " OR ", parens=True)
    start = dt.datetime.combine(value, dt.time())
    end = start + dt.timedelta(days=1)
    by_day = {"=": lambda: (column >= start) & (column < end),
              "!=": lambda: (column < start) | (column >= end),
              ">": lambda: column >= end, ">=": lambda: column >= start,
              "<": lambda: column < start, "<=": lambda: column < end}
    return by_day[op]()


CONDITION_OF = {INT: int_condition, STRING: string_condition, DATE: date_condition}
