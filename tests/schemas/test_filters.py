"""The filter language on its own: the trees the parser builds, its errors and limits, and the
SQL the compiler writes. What the filters select is checked against Python in
tests/actions/test_search.py."""

from __future__ import annotations

import datetime as dt

import pytest
from marshmallow import Schema

from models.tasks import Task
from schemas.envelope import FieldRequired
from schemas.filter_syntax import MAX_CONDITIONS, MAX_LENGTH, Condition, Group
from schemas.filters import (
    COST_FIELDS,
    TASK_FIELDS,
    Filter,
    FilterInvalid,
    compile_filter,
    parse_filter,
)

COLUMNS = {"id": Task.id, "project": Task.project, "parent": Task.parent, "name": Task.name,
           "dateadd": Task.date_added, "datestart": Task.date_start, "dateend": Task.date_end,
           "dateclose": Task.date_closed}


def cond(field, kind, op, value):
    return Condition(field, kind, op, value)


@pytest.mark.parametrize(("text", "tree"), [
    ("id = 5", cond("id", "int", "=", 5)),
    ("id=5", cond("id", "int", "=", 5)),
    ("project{=}2456", cond("project", "int", "=", 2456)),
    ("project {=} 2456", cond("project", "int", "=", 2456)),
    ("id {in} (1234, 1240)", cond("id", "int", "in", (1234, 1240))),
    ("id in (3, 1, 3)", cond("id", "int", "in", (3, 1))),
    ("parent = '7'", cond("parent", "int", "=", 7)),
    ("name {has} 'Report'", cond("name", "string", "has", "Report")),
    ('name = "Task Report"', cond("name", "string", "=", "Task Report")),
    (r"name = 'O\'Brien \\ co'", cond("name", "string", "=", "O'Brien \\ co")),
    (r"name = 'C:\temp'", cond("name", "string", "=", "C:\\temp")),
    ("name in ('a', \"b\")", cond("name", "string", "in", ("a", "b"))),
    ("dateadd ! = '01.05.2021'", cond("dateadd", "date", "!=", dt.date(2021, 5, 1))),
    ("date_added{! =}'01.05.2021'", cond("dateadd", "date", "!=", dt.date(2021, 5, 1))),
    ("date_start >= '2021-05-01'", cond("datestart", "date", ">=", dt.date(2021, 5, 1))),
    ("date_end<'31.05.2021'", cond("dateend", "date", "<", dt.date(2021, 5, 31))),
    ("date_closed <= '29.02.2024'", cond("dateclose", "date", "<=", dt.date(2024, 2, 29))),
    ("id = 1 or id = 2 and id = 3",
     Group("or", (cond("id", "int", "=", 1),
                  Group("and", (cond("id", "int", "=", 2), cond("id", "int", "=", 3)))))),
    ("(id = 1 or id = 2) and id = 3",
     Group("and", (Group("or", (cond("id", "int", "=", 1), cond("id", "int", "=", 2))),
                   cond("id", "int", "=", 3)))),
    ("((id = 1))", cond("id", "int", "=", 1)),
    ("\tid\n=\n1 ", cond("id", "int", "=", 1)),
])
def test_parse(text, tree):
    assert parse_filter(text, TASK_FIELDS) == tree


def test_cost_fields_have_their_own_names():
    assert parse_filter("id = 5 and task in (6) and comment has 'review' and "
                        "date_added > '01.02.2024' and project = 2", COST_FIELDS) == Group("and", (
                            cond("task", "int", "=", 5), cond("task", "int", "in", (6,)),
                            cond("comment", "string", "has", "review"),
                            cond("dateadd", "date", ">", dt.date(2024, 2, 1)),
                            cond("project", "int", "=", 2)))
    with pytest.raises(FilterInvalid) as err:
        parse_filter("name has 'a'", COST_FIELDS)
    assert err.value.details == ("filter: at 1: unknown field 'name', expected one of task, "
                                 "project, comment, dateadd, id, date_added")


def details(text, spec=TASK_FIELDS):
    with pytest.raises(FilterInvalid) as err:
        parse_filter(text, spec)
    assert (err.value.status_code, err.value.message) == (10, "Field is required")
    assert isinstance(err.value, FieldRequired)
    return err.value.details


def test_the_first_problem_in_the_text_is_the_one_reported():
    assert details("id 5 #") == ("filter: at 4: expected an operator (=, !=, >, <, >=, <=, in) "
                                 "after 'id', got 5")
    assert details("id = 1 or 1=1 --") == "filter: at 11: expected a field name or '(', got 1"


def test_long_values_are_shortened_in_messages():
    assert details("id = 1 " + "'" + "x" * 60 + "'") == (
        "filter: at 8: expected 'and', 'or' or end of input, got '" + "x" * 36 + "...")


def test_limits_are_inclusive():
    at_limit = " or ".join(["id = 1"] * MAX_CONDITIONS)
    assert len(parse_filter(at_limit, TASK_FIELDS).parts) == MAX_CONDITIONS
    padded = "id = 1" + " " * (MAX_LENGTH - 6)
    assert parse_filter(padded, TASK_FIELDS) == cond("id", "int", "=", 1)
    assert details(padded + " ") == f"filter: {MAX_LENGTH + 1} characters, more than the limit " \
                                    f"of {MAX_LENGTH}"
    assert len(parse_filter("(" * 20 + "id = 1" + ")" * 20, TASK_FIELDS)) == 4
    assert len(parse_filter("id in (" + ",".join(map(str, range(1, 501))) + ")",
                            TASK_FIELDS).value) == 500


def test_the_field_reports_under_its_own_name():
    class SearchIn(Schema):
        query = Filter(TASK_FIELDS, data_key="filter")
        other = Filter(COST_FIELDS)

    assert SearchIn().load({"filter": "id = 1"}) == {"query": cond("id", "int", "=", 1)}
    with pytest.raises(FilterInvalid) as err:
        SearchIn().load({"other": "task ="})
    assert err.value.details == "other: at 7: expected a value after '=', got end of input"


def sql_of(text, columns=COLUMNS):
    return Task.select(Task.id).where(compile_filter(parse_filter(text, TASK_FIELDS),
                                                     columns)).sql()


def test_values_are_parameters_never_sql_text(app):
    sql, params = sql_of("name = \"x' or 1=1 --\" or name has '50%_off' or id in (1, 2)")
    assert "1=1" not in sql and "50%" not in sql and "x'" not in sql
    assert params[:2] == ["x' or 1=1 --", "%50\\%\\_off%"]
    assert params[2:] == [1, 2]
    assert "LIKE" in sql and "ESCAPE '\\'" in sql


def nesting(sql):
    depth = deepest = 0
    for char in sql:
        depth += {"(": 1, ")": -1}.get(char, 0)
        deepest = max(deepest, depth)
    return deepest


def test_and_or_chains_stay_flat(app):
    """A long chain is one flat list, not a 200-deep tree (which could exhaust the stack)."""
    sql, params = sql_of(" or ".join(f"id = {k}" for k in range(1, MAX_CONDITIONS + 1)))
    assert len(params) == MAX_CONDITIONS and nesting(sql) == 2


def test_a_day_on_a_moment_column_is_a_range(app):
    assert sql_of("dateadd = '01.02.2024'")[1] == [dt.datetime(2024, 2, 1),
                                                    dt.datetime(2024, 2, 2)]
    assert sql_of("dateadd in ('01.02.2024', '03.02.2024')")[1] == [
        dt.datetime(2024, 2, 1), dt.datetime(2024, 2, 2),
        dt.datetime(2024, 2, 3), dt.datetime(2024, 2, 4)]
    assert sql_of("dateend = '01.02.2024'")[1] == [dt.date(2024, 2, 1)]
