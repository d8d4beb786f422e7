"""search_tasks: selectors, status, extras, and the filter language checked against the same
selection computed in Python over the same rows (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from conftest import ok_data

from models.members import User
from models.projects import Project
from models.tasks import Task

NAMES = [
    "Quarterly Report", "report draft", "Approval flow", "REPORT final", "Budget 100%",
    "100 percent done", "snake_case_name", "snakeXcaseXname", "Звіт за квартал", "ЗВІТ річний",
    "O'Brien's task", 'Say "hi"', "C:\\temp\\new", "' or 1=1 --", "Robert'); DROP TABLE tasks;--",
    "Émile review", "review émile", "plain", "Plain", "a", "Approval of the report",
    "Worksection implementation", "Worksection docs", "Design", "design review", "Launch",
    "launch party", "Sub of report", "Deep sub", "Archive me", "Old report", "x",
]
ADDED = [dt.datetime(2024, 2, 1, 0, 0, 0), dt.datetime(2024, 2, 1, 23, 59, 59),
         dt.datetime(2024, 1, 31, 23, 59, 59), dt.datetime(2024, 2, 2, 0, 0, 0),
         dt.datetime(2024, 2, 15, 12, 30), dt.datetime(2023, 12, 31, 23, 59),
         dt.datetime(2024, 3, 1, 8, 0)]
STARTS = [None, dt.date(2024, 1, 10), dt.date(2024, 1, 9), dt.date(2024, 2, 1), dt.date(2023, 5, 1)]
ENDS = [None, dt.date(2024, 2, 1), dt.date(2024, 1, 31), dt.date(2024, 2, 2),
        dt.date(2024, 5, 25), dt.date(2024, 5, 31), dt.date(2024, 5, 28), dt.date(2024, 5, 26)]
CLOSED = [None, dt.datetime(2024, 2, 1, 0, 0), dt.datetime(2024, 2, 1, 23, 59, 59), None,
          dt.datetime(2024, 1, 31, 23, 59, 59)]
AT_LEAST_ONE = {"status": "error", "status_code": 10, "message": "At least one of fields required",
                "message_details": "filter, id_project, id_task, email_user_from, email_user_to"}


@pytest.fixture
def people(app):
    return SimpleNamespace(
        owner=User.owner(),
        frank=User.create(email="frank.harper@ws.com", first_name="Frank", last_name="Harper"),
        kate=User.create(email="kate.greenway@ws.com", first_name="Kate", last_name="Greenway"))


@pytest.fixture
def world(people):
    """Four projects (one archived) and a few dozen tasks, subtasks and sub-subtasks whose
    names, dates, parents and people vary; ``n`` names their ids for filter templates."""
    owner = people.owner
    projects = [Project.create(name=name, author=owner, status=status) for name, status in
                [("Alpha", "active"), ("Beta", "active"), ("Gamma", "pending"),
                 ("Attic", "archive")]]
    tasks: list[Task] = []
    for i, name in enumerate(NAMES):
        parent = tasks[i // 3] if i % 3 == 1 and tasks[i // 3].depth < 2 else None
        closed = CLOSED[i % len(CLOSED)]
        tasks.append(Task.create(
            project=parent.project if parent else projects[i % 4], name=name,
            parent=parent, root=(parent.root or parent) if parent else None,
            depth=parent.depth + 1 if parent else 0,
            author=[owner, people.frank, people.kate][i % 3],
            user_to=[None, people.frank, None, people.kate][i % 4], user_to_any=i % 4 == 2,
            date_added=ADDED[i % len(ADDED)], date_start=STARTS[i % len(STARTS)],
            date_end=ENDS[i % len(ENDS)], date_closed=closed,
            status="done" if closed else "active", text=f"Text of {name}"))
    n = {f"p{k}": p.id for k, p in enumerate(projects, start=1)}
    n.update({f"t{k}": t.id for k, t in enumerate(tasks, start=1)})
    rows = list(Task.select().order_by(Task.id))  # as the database gives them back
    archived = {p.id for p in projects if p.status == "archive"}
    return SimpleNamespace(projects=projects, tasks=rows, n=n, archived=archived, **vars(people))


def search_ids(api, **params):
    return [int(task["id"]) for task in ok_data(api.call("search_tasks", **params))]


def day(value):
    return value.date() if isinstance(value, dt.datetime) else value


def on(value, test):
    """A condition on a column: an empty (NULL) column matches nothing."""
    return value is not None and test(day(value))


D = dt.date


def lower(t):
    return t.name.lower()


# (filter template, predicate(task, n)): every feature of the language, one line each.
CASES = [
    ("id = {t3}", lambda t, n: t.id == n["t3"]),
    ("id != {t3}", lambda t, n: t.id != n["t3"]),
    ("id > {t10}", lambda t, n: t.id > n["t10"]),
    ("id < {t5}", lambda t, n: t.id < n["t5"]),
    ("id >= {t10}", lambda t, n: t.id >= n["t10"]),
    ("id <= {t5}", lambda t, n: t.id <= n["t5"]),
    ("id in ({t1}, {t4}, {t9}, {t4})", lambda t, n: t.id in (n["t1"], n["t4"], n["t9"])),
    ("id in ('{t2}')", lambda t, n: t.id == n["t2"]),
    ("project = {p1}", lambda t, n: t.project_id == n["p1"]),
    ("project != {p2}", lambda t, n: t.project_id != n["p2"]),
    ("project in ({p1}, {p3})", lambda t, n: t.project_id in (n["p1"], n["p3"])),
    ("parent = {t1}", lambda t, n: t.parent_id == n["t1"]),
    ("parent != {t1}", lambda t, n: on(t.parent_id, lambda v: v != n["t1"])),
    ("parent > 0", lambda t, n: t.parent_id is not None),
    ("name = 'Plain'", lambda t, n: lower(t) == "plain"),
    ("name = 'PLAIN'", lambda t, n: lower(t) == "plain"),
    ("name != 'plain'", lambda t, n: lower(t) != "plain"),
    ("name has 'report'", lambda t, n: "report" in lower(t)),
    ("name has ''", lambda t, n: True),
    ("name in ('a', 'x', 'report FINAL')", lambda t, n: lower(t) in ("a", "x", "report final")),
    ("name has '100%'", lambda t, n: "100%" in lower(t)),
    ("name has '%'", lambda t, n: "%" in lower(t)),
    ("name has '_case_'", lambda t, n: "_case_" in lower(t)),
    ("name has '_'", lambda t, n: "_" in lower(t)),
    ("name has 'звіт'", lambda t, n: "звіт" in lower(t)),
    ("name has 'ÉMILE'", lambda t, n: "émile" in lower(t)),
    ("name has \"o'brien\"", lambda t, n: "o'brien" in lower(t)),
    ("name = 'O\\'Brien\\'s task'", lambda t, n: t.name == "O'Brien's task"),
    ("name = 'say \"HI\"'", lambda t, n: t.name == 'Say "hi"'),
    ("name = 'c:\\temp\\new'", lambda t, n: lower(t) == "c:\\temp\\new"),
    ("name has '\\\\'", lambda t, n: "\\" in t.name),
    ("name = \"' or 1=1 --\"", lambda t, n: t.name == "' or 1=1 --"),
    ("name has \"'); DROP TABLE tasks;--\"", lambda t, n: "drop table" in lower(t)),
    ("dateend = '01.02.2024'", lambda t, n: on(t.date_end, lambda d: d == D(2024, 2, 1))),
    ("date_end = '2024-02-01'", lambda t, n: on(t.date_end, lambda d: d == D(2024, 2, 1))),
    ("dateend != '01.02.2024'", lambda t, n: on(t.date_end, lambda d: d != D(2024, 2, 1))),
    ("dateend ! = '01.02.2024'", lambda t, n: on(t.date_end, lambda d: d != D(2024, 2, 1))),
    ("dateend > '01.02.2024'", lambda t, n: on(t.date_end, lambda d: d > D(2024, 2, 1))),
    ("dateend < '01.02.2024'", lambda t, n: on(t.date_end, lambda d: d < D(2024, 2, 1))),
    ("dateend >= '01.02.2024'", lambda t, n: on(t.date_end, lambda d: d >= D(2024, 2, 1))),
    ("dateend <= '01.02.2024'", lambda t, n: on(t.date_end, lambda d: d <= D(2024, 2, 1))),
    ("dateend in ('01.02.2024', '25.05.2024')",
     lambda t, n: on(t.date_end, lambda d: d in (D(2024, 2, 1), D(2024, 5, 25)))),
    ("datestart >= '10.01.2024'", lambda t, n: on(t.date_start, lambda d: d >= D(2024, 1, 10))),
    ("date_start < '10.01.2024'", lambda t, n: on(t.date_start, lambda d: d < D(2024, 1, 10))),
    ("dateadd = '01.02.2024'", lambda t, n: on(t.date_added, lambda d: d == D(2024, 2, 1))),
    ("dateadd != '01.02.2024'", lambda t, n: on(t.date_added, lambda d: d != D(2024, 2, 1))),
    ("dateadd > '01.02.2024'", lambda t, n: on(t.date_added, lambda d: d > D(2024, 2, 1))),
    ("dateadd >= '01.02.2024'", lambda t, n: on(t.date_added, lambda d: d >= D(2024, 2, 1))),
    ("dateadd < '01.02.2024'", lambda t, n: on(t.date_added, lambda d: d < D(2024, 2, 1))),
    ("dateadd <= '01.02.2024'", lambda t, n: on(t.date_added, lambda d: d <= D(2024, 2, 1))),
    ("date_added in ('01.02.2024', '15.02.2024')",
     lambda t, n: on(t.date_added, lambda d: d in (D(2024, 2, 1), D(2024, 2, 15)))),
    ("dateclose = '01.02.2024'", lambda t, n: on(t.date_closed, lambda d: d == D(2024, 2, 1))),
    ("date_closed != '01.02.2024'",
     lambda t, n: on(t.date_closed, lambda d: d != D(2024, 2, 1))),
    ("dateclose <= '31.01.2024'", lambda t, n: on(t.date_closed, lambda d: d <= D(2024, 1, 31))),
    ("(name has 'Report' or name has 'Approval') and (dateend>'25.05.2024' and "
     "dateend<'31.05.2024')",
     lambda t, n: ("report" in lower(t) or "approval" in lower(t))
     and on(t.date_end, lambda d: D(2024, 5, 25) < d < D(2024, 5, 31))),
    ("name has 'report' or name has 'plain' and project = {p2}",
     lambda t, n: "report" in lower(t) or ("plain" in lower(t) and t.project_id == n["p2"])),
    ("(name has 'report' or name has 'plain') and project = {p2}",
     lambda t, n: ("report" in lower(t) or "plain" in lower(t)) and t.project_id == n["p2"]),
    ("project{{=}}{p1} or id {{in}} ({t2},{t3}) or dateadd{{! =}}'01.02.2024'",
     lambda t, n: t.project_id == n["p1"] or t.id in (n["t2"], n["t3"])
     or day(t.date_added) != D(2024, 2, 1)),
    ("dateend>'25.05.2024'and dateend<'31.05.2024'and name has'a'",
     lambda t, n: on(t.date_end, lambda d: D(2024, 5, 25) < d < D(2024, 5, 31))
     and "a" in lower(t)),
    ("((name has 'a') and ((project = {p1}) or (project = {p3})))",
     lambda t, n: "a" in lower(t) and t.project_id in (n["p1"], n["p3"])),
    ("(" * 20 + "id > {t4}" + ")" * 20, lambda t, n: t.id > n["t4"]),
    (" or ".join(f"id = {{t{k % 31 + 1}}}" for k in range(200)),
     lambda t, n: t.id in [n[f"t{k + 1}"] for k in range(31)]),
]


def test_every_filter_selects_what_python_selects(api, world):
    """Each filter through search_tasks, compared with the Python predicate over the same rows
    (archived projects are left out, as no project is named)."""
    mismatches = []
    for template, predicate in CASES:
        text = template.format(**world.n)
        expected = [t.id for t in world.tasks
                    if t.project_id not in world.archived and predicate(t, world.n)]
        body = api.call("search_tasks", filter=text)
        got = [int(task["id"]) for task in body["data"]] if "data" in body else body
        if got != expected:
            mismatches.append((text, got, expected))
    assert mismatches == []


def test_filters_are_not_vacuous(world):
    """Most cases select some rows but not all, so a broken comparison would show."""
    vacuous = []
    for template, predicate in CASES:
        count = sum(bool(predicate(t, world.n)) for t in world.tasks)
        if not 0 < count < len(world.tasks):
            vacuous.append(template)
    assert vacuous == ["name has ''"]


def test_day_bounds_of_a_moment(api, world):
    """A moment is compared by its day: 00:00:00 and 23:59:59 are in, the seconds around the
    day are out."""
    by_added = {t.date_added: t.id for t in world.tasks if t.project_id not in world.archived}
    got = set(search_ids(api, filter="dateadd = '01.02.2024'"))
    assert by_added[dt.datetime(2024, 2, 1, 0, 0, 0)] in got
    assert by_added[dt.datetime(2024, 2, 1, 23, 59, 59)] in got
    assert by_added[dt.datetime(2024, 1, 31, 23, 59, 59)] not in got
    assert by_added[dt.datetime(2024, 2, 2, 0, 0, 0)] not in got


def test_a_filter_with_sql_in_it_is_a_plain_value(api, world):
    before = Task.select().count()
    [found] = ok_data(api.call("search_tasks", filter="name = \"Robert'); DROP TABLE tasks;--\""))
    assert found["name"] == "Robert'); DROP TABLE tasks;--"
    assert search_ids(api, filter="name = \"' or ''='\"") == []
    assert api.call("search_tasks", filter="name = '' or 1=1 --'") == bad(
        "at 14: expected a field name or '(', got 1")
    assert Task.select().count() == before


def test_filter_id_in_is_the_batch_get(api, world):
    n = world.n
    body = api.call("search_tasks", filter=f"id in ({n['t1']},{n['t2']},{n['t3']})")
    assert [task["name"] for task in ok_data(body)] == NAMES[:3]


def test_filter_through_a_json_body(api, world):
    body = api.post_json("search_tasks", filter="name has 'worksection'")
    assert [task["name"] for task in ok_data(body)] == ["Worksection implementation",
                                                         "Worksection docs"]
    docs = api.post_json("search_tasks", filter="name has 'worksection' and name has 'docs'",
                         status="done")
    assert [task["name"] for task in ok_data(docs)] == ["Worksection docs"]


# Bad filters: code 10, the position and what was expected.


def bad(reason):
    return {"status": "error", "status_code": 10, "message": "Field is required",
            "message_details": f"filter: {reason}"}


BAD_FILTERS = [
    ("(name has 'a'", "at 14: expected 'and', 'or' or ')' to close the '(' at 1, got end of input"),
    ("name has 'a')", "at 13: unbalanced ')': no '(' is open"),
    ("((id = 1) or id = 2", "at 20: expected 'and', 'or' or ')' to close the '(' at 1, "
                            "got end of input"),
    ("name has 5", "at 10: 'name' takes a quoted string, got 5"),
    ("dateend > '32.01.2024'", "at 11: 'dateend' takes a date as 'DD.MM.YYYY', got '32.01.2024'"),
    ("dateend > 25.05.2024", "at 11: 'dateend' takes a date as 'DD.MM.YYYY', got 25"),
    ("dateend = '31.12.9999'", "at 11: 'dateend' takes a date as 'DD.MM.YYYY', got '31.12.9999'"),
    ("id in ()", "at 8: expected at least one value in 'in (...)', got ')'"),
    ("id in (1, 2", "at 12: expected ',' or ')' to close the list opened at 7, got end of input"),
    ("id in 1", "at 7: expected '(' after 'in', got 1"),
    ("id = 'abc'", "at 6: 'id' takes a number up to 2147483647, got 'abc'"),
    ("id = 99999999999", "at 6: 'id' takes a number up to 2147483647, got 99999999999"),
    ("id =", "at 5: expected a value after '=', got end of input"),
    ("id has 1", "at 4: 'has' does not apply to 'id' (int), use one of =, !=, >, <, >=, <=, in"),
    ("name > 'a'", "at 6: '>' does not apply to 'name' (string), use one of =, !=, has, in"),
    ("name like 'a'", "at 6: expected an operator (=, !=, has, in) after 'name', got 'like'"),
    ("priority = 1", "at 1: unknown field 'priority', expected one of id, project, parent, name, "
                     "text, dateadd, datestart, dateend, dateclose, date_added, date_start, "
                     "date_end, date_closed"),
    ("id = 1 AND id = 2", "at 8: expected 'and', 'or' or end of input, got 'AND' "
                          "(write 'and' in lowercase)"),
    ("(id = 1 OR id = 2)", "at 9: expected 'and', 'or' or ')' to close the '(' at 1, got 'OR' "
                           "(write 'or' in lowercase)"),
    ("id = 1 or", "at 10: expected a field name or '(', got end of input"),
    ("and id = 1", "at 1: expected a field name or '(', got 'and'"),
    ("name = 'abc", "at 8: unterminated string: no closing '"),
    ("name = 'a' # x", "at 12: unexpected character '#'"),
    ("id {like} 1", "at 4: expected an operator in braces, such as {=} or {has}"),
    ("   ", "at 4: expected a field name or '(', got end of input"),
    ("(" * 21 + "id = 1" + ")" * 21, "at 21: parentheses nested deeper than the limit of 20"),
    (" or ".join(["id = 1"] * 201), "at 2001: more than the limit of 200 conditions"),
    ("id in (" + ",".join(["7"] * 501) + ")", "at 1007: more than the limit of 500 values in "
                                              "one list"),
    (" or ".join(["id = 1"] * 500), "4996 characters, more than the limit of 4096"),
]


@pytest.mark.parametrize(("text", "reason"), BAD_FILTERS,
                         ids=[text[:30] for text, _ in BAD_FILTERS])
def test_bad_filter(api, text, reason):
    assert api.call("search_tasks", filter=text) == bad(reason)


def test_a_filter_that_is_not_a_string(api):
    assert api.post_json("search_tasks", filter=5) == bad("must be a string")
    assert api.post_json("search_tasks", filter=["id = 1"]) == bad("must be a string")


# The other parameters.


def test_search_tasks_needs_a_selector(api, world):
    assert api.call("search_tasks") == AT_LEAST_ONE
    assert api.call("search_tasks", status="active", extra="text") == AT_LEAST_ONE
    assert api.call("search_tasks", filter="", id_project="") == AT_LEAST_ONE


def test_search_tasks_of_a_project_includes_an_archived_one(api, world):
    attic = world.projects[3]
    expected = [t.id for t in world.tasks if t.project_id == attic.id]
    assert expected and search_ids(api, id_project=attic.id) == expected
    assert search_ids(api, filter=f"project = {attic.id}") == []


def test_search_tasks_of_an_unknown_project_or_task(api, world):
    assert api.call("search_tasks", id_project=999) == {
        "status": "error", "status_code": 4, "message": "Project is invalid"}
    assert api.call("search_tasks", id_task=999) == {
        "status": "error", "status_code": 5, "message": "Task is invalid"}


def test_search_tasks_of_a_task_is_the_task_and_its_subtasks(api, world):
    top = world.tasks[0]
    family = [t.id for t in world.tasks if top.id in (t.id, t.parent_id, t.root_id)]
    assert len(family) >= 3 and any(t.depth == 2 for t in world.tasks if t.id in family)
    assert search_ids(api, id_task=top.id) == family
    sub = next(t for t in world.tasks if t.depth == 1 and t.root_id == top.id)
    assert search_ids(api, id_task=sub.id) == [t.id for t in world.tasks
                                               if sub.id in (t.id, t.parent_id)]


def test_search_tasks_by_author_and_executive(api, world):
    visible = [t for t in world.tasks if t.project_id not in world.archived]
    frank, kate = world.frank, world.kate
    assert search_ids(api, email_user_from=frank.email) == [
        t.id for t in visible if t.author_id == frank.id]
    assert search_ids(api, email_user_to=kate.email) == [
        t.id for t in visible if t.user_to_id == kate.id]
    assert search_ids(api, email_user_to="ANY") == [t.id for t in visible if t.user_to_any]
    assert search_ids(api, email_user_to="noone") == [
        t.id for t in visible if t.user_to_id is None and not t.user_to_any]
    assert search_ids(api, email_user_from=frank.email, email_user_to=kate.email,
                      status="done") == [t.id for t in visible if t.author_id == frank.id
                                         and t.user_to_id == kate.id and t.status == "done"]


def test_search_tasks_by_an_unknown_email(api, world):
    assert api.call("search_tasks", email_user_from="nobody@ws.com") == {
        "status": "error", "status_code": 11, "message": "Invalid email",
        "message_details": "nobody@ws.com"}
    assert api.call("search_tasks", email_user_to="a@b") == {
        "status": "error", "status_code": 11, "message": "Invalid email",
        "message_details": "a@b"}


@pytest.mark.parametrize("status", ["active", "done"])
def test_search_tasks_by_status(api, world, status):
    alpha = world.projects[0]
    assert search_ids(api, id_project=alpha.id, status=status) == [
        t.id for t in world.tasks if t.project_id == alpha.id and t.status == status]


def test_search_tasks_with_a_bad_status(api, world):
    assert api.call("search_tasks", filter="id = 1", status="closed") == {
        "status": "error", "status_code": 11, "message": "Invalid status: must be one of "
        "active, done", "message_details": "status"}


def test_search_tasks_answers_the_task_objects_of_get_tasks(api, world):
    alpha = world.projects[0]
    listed = ok_data(api.call("get_tasks", id_project=alpha.id, extra="text,files"))
    top = ",".join(task["id"] for task in listed)
    found = ok_data(api.call("search_tasks", id_project=alpha.id, filter=f"id in ({top})",
                             extra="text,files"))
    assert found == listed and "text" in found[0]


def test_search_tasks_of_a_subtask_has_its_parent(api, world):
    sub = next(t for t in world.tasks if t.depth == 2 and t.project_id not in world.archived)
    [found] = ok_data(api.call("search_tasks", filter=f"id = {sub.id}"))
    assert found["parent"]["id"] == str(sub.parent_id)
    assert found["page"] == f"/project/{sub.project_id}/{sub.root_id}/{sub.id}/"
