"""Cost lines: get_costs, get_costs_total, add_costs, update_costs, delete_costs and their
legacy ``*_timemoney`` names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from conftest import API_KEY, OWNER_EMAIL, UserRef, ok_data
from worksection.client import Client

from models.costs import Cost
from models.members import User
from models.projects import Project
from models.tasks import Task

FRANK = "frank.harper@ws.com"
HENRY = UserRef(OWNER_EMAIL, "Henry Gardner")


@pytest.fixture
def ws(app):
    """The Postman examples' world: Frank (rate 11) and two tasks of one project."""
    owner = User.owner()
    frank = User.create(email=FRANK, first_name="Frank", last_name="Harper", rate=Decimal(11))
    project = Project.create(name="Performance improvement", author=owner)
    revision = Task.create(project=project, name="Workflow revision", author=owner,
                           user_to=frank, status="done", date_added=dt.datetime(2021, 1, 1, 11),
                           date_closed=dt.datetime(2021, 1, 2, 12, 43))
    rollout = Task.create(project=project, name="Worksection implementation", author=owner,
                          user_to_any=True, date_added=dt.datetime(2021, 1, 1, 12))
    return SimpleNamespace(owner=owner, frank=frank, project=project, revision=revision,
                           rollout=rollout)


def add(api, task, **params):
    """add_costs as the owner unless told otherwise; the new line's id."""
    body = api.call("add_costs", id_task=task.id, **{"email_user_from": OWNER_EMAIL, **params})
    assert body["status"] == "ok", body
    return body["id"]


def costs(api, **params):
    return ok_data(api.call("get_costs", **params))


def test_get_costs_matches_the_postman_example(api, ws):
    timer_line = Cost.create(task=ws.revision, user=ws.frank, minutes=410, cents=7517,
                             comment="Developed new workflow scheme for dev team",
                             date=dt.date(2021, 1, 1), is_timer=True)
    manual = add(api, ws.rollout, time="3:22", date="03.01.2021")
    page = f"/project/{ws.project.id}/"
    project = {"id": str(ws.project.id), "name": "Performance improvement", "page": page}
    assert api.call("get_costs", id_project=ws.project.id) == {
        "status": "ok",
        "data": [
            {"id": str(timer_line.id), "comment": "Developed new workflow scheme for dev team",
             "time": "6:50", "money": "75.17", "date": "2021-01-01", "is_timer": True,
             "user_from": {"id": str(ws.frank.id), "email": FRANK, "name": "Frank Harper"},
             "task": {"id": str(ws.revision.id), "name": "Workflow revision",
                      "page": f"{page}{ws.revision.id}/", "status": "done", "priority": "1",
                      "user_from": HENRY,
                      "user_to": {"id": str(ws.frank.id), "email": FRANK, "name": "Frank Harper"},
                      "project": project, "date_added": "2021-01-01 11:00",
                      "date_closed": "2021-01-02 12:43"}},
            {"id": str(manual), "comment": "", "time": "3:22", "money": "0.00",
             "date": "2021-01-03", "is_timer": False, "user_from": HENRY,
             "task": {"id": str(ws.rollout.id), "name": "Worksection implementation",
                      "page": f"{page}{ws.rollout.id}/", "status": "active", "priority": "1",
                      "user_from": HENRY, "user_to": {"id": "2", "email": "ANY", "name": "Anyone"},
                      "project": project, "date_added": "2021-01-01 12:00"}},
        ],
        "total": {"time": "10:12", "money": "75.17"},
    }


def test_add_costs_answers_the_new_id_at_the_top_level(api, ws):
    """Postman: add_costs&id_task=330090&time=1,5 → {"status": "ok", "id": 3706}."""
    body = api.call("add_costs", id_task=ws.rollout.id, time="1,5", email_user_from=OWNER_EMAIL)
    assert body == {"status": "ok", "id": Cost.select().get().id}
    [line] = costs(api)
    assert (line["time"], line["money"], line["date"], line["is_timer"]) == (
        "1:30", "0.00", today(), False)


def today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


@pytest.mark.parametrize(("time", "shown"), [
    ("0.15", "0:09"), ("0,15", "0:09"), ("0:09", "0:09"), ("1,5", "1:30"), ("2", "2:00"),
    ("0.01", "0:01"), ("24:00", "24:00"), ("24", "24:00"), (" 7:05 ", "7:05"), ("10:00", "10:00"),
])
def test_add_costs_reads_every_time_format(api, ws, time, shown):
    add(api, ws.rollout, time=time)
    assert costs(api)[0]["time"] == shown


def test_add_costs_in_the_official_json_style(api, ws):
    """The 2026 client sends ids and amounts as JSON numbers."""
    body = api.post_json("add_costs", id_task=ws.rollout.id, time="1:30", money=12.5,
                         email_user_from=FRANK, comment="Call", date="2021-02-03")
    assert body == {"status": "ok", "id": 1}
    body = api.post_json("add_costs", id_task=ws.rollout.id, time=0.25,
                         email_user_from=FRANK)
    assert [(c["time"], c["money"], c["comment"], c["date"], c["user_from"]["email"])
            for c in costs(api)] == [("1:30", "12.50", "Call", "2021-02-03", FRANK),
                                     ("0:15", "0.00", "", today(), FRANK)]


@pytest.mark.parametrize(("rate", "time", "money"), [
    ("11", "6:50", "75.17"),     # 75.1666… (the Postman example line)
    ("0.30", "0:01", "0.01"),    # exactly half a cent: rounds up, not to even
    ("33.33", "0.15", "5.00"),   # 4.9995
    ("0", "3:00", "0.00"),
])
def test_add_costs_is_rate_prices_the_time_at_the_users_rate(api, ws, rate, time, money):
    ws.frank.rate = Decimal(rate)
    ws.frank.save()
    add(api, ws.rollout, time=time, is_rate=1, money="999", email_user_from=FRANK)
    assert costs(api)[0]["money"] == money


def test_money_is_summed_exactly(api, ws):
    amounts = ["999999999999.99"] * 9 + ["0.01", "0.10", "0.20", "1234.56", "7"]
    for amount in amounts:
        add(api, ws.rollout, money=amount)
    expected = sum(Decimal(a) for a in amounts)
    assert str(expected) == "9000000001241.78"
    assert sum(Decimal(c["money"]) for c in costs(api)) == expected
    assert api.call("get_costs")["total"] == {"time": "0:00", "money": str(expected)}
    assert api.call("get_costs_total") == {
        "status": "ok", "total": {"time": "0:00", "money": str(expected)}}


def test_totals_match_sums_computed_here(api, ws):
    sub = Task.create(project=ws.project, parent=ws.rollout, root=ws.rollout, depth=1,
                      name="Import users", author=ws.owner)
    other = Project.create(name="Sales", author=ws.owner)
    lead = Task.create(project=other, name="Leads", author=ws.owner)
    lines = [  # task, time (minutes), money, date, written as the API takes them
        (ws.revision, 410, "75.17", "31.03.2024"), (ws.revision, 95, "10.00", "01.04.2024"),
        (ws.rollout, 1, "0.01", "15.04.2024"), (sub, 125, "0", "30.04.2024"),
        (sub, 59, "100.5", "02.05.2024"), (lead, 1440, "5000.33", "01.04.2024"),
    ]
    for task, minutes, money, day in lines:
        add(api, task, time=f"{minutes // 60}:{minutes % 60:02d}", money=money, date=day)

    def total(selected):
        minutes = sum(line[1] for line in selected)
        return {"time": f"{minutes // 60}:{minutes % 60:02d}",
                "money": f"{sum(Decimal(line[2]) for line in selected):.2f}"}

    def month(line):
        return line[3][6:] + "-" + line[3][3:5]

    assert api.call("get_costs_total") == {"status": "ok", "total": total(lines)}
    mine = [line for line in lines if line[0].project_id == ws.project.id]
    assert api.call("get_costs", id_project=ws.project.id)["total"] == total(mine)
    assert api.call("get_costs_total", id_task=sub.id)["total"] == total(lines[3:5])
    april = [line for line in lines if month(line) == "2024-04"]
    assert api.call("get_costs_total", datestart="01.04.2024", dateend="30.04.2024") == {
        "status": "ok", "total": total(april)}

    body = api.call("get_costs_total", extra="projects,tasks")
    assert body["total"] == total(lines)
    assert list(body) == ["status", "projects", "total"]
    assert list(body["projects"]) == [str(ws.project.id), str(other.id)]
    ours = body["projects"][str(ws.project.id)]
    assert ours == {
        **total(mine),
        "monthly": {m: total([line for line in mine if month(line) == m])
                    for m in ("2024-05", "2024-04", "2024-03")},
        "tasks": {str(t.id): {"id": str(t.id), "name": t.name, "page": t.page,
                              "status": t.status, "priority": "1",
                              **total([line for line in lines if line[0] is t])}
                  for t in (ws.revision, ws.rollout, sub)},
        "id": str(ws.project.id), "name": "Performance improvement",
        "page": f"/project/{ws.project.id}/",
    }
    assert body["projects"][str(other.id)]["monthly"] == {"2024-04": total(lines[5:])}

    top = api.call("get_costs_total", extra="projects,tasks_top_level", id_project=ws.project.id)
    assert list(top["projects"]) == [str(ws.project.id)]
    assert top["projects"][str(ws.project.id)]["tasks"] == {
        str(ws.revision.id): {**task_fields(ws.revision), **total(lines[0:2])},
        str(ws.rollout.id): {**task_fields(ws.rollout), **total(lines[2:5])}}
    assert "tasks" not in api.call("get_costs_total", extra="projects")["projects"][
        str(other.id)]
    assert api.call("get_costs_total", extra="projects", datestart="01.01.2030") == {
        "status": "ok", "projects": {}, "total": {"time": "0:00", "money": "0.00"}}
    # extra=projects is ignored with id_task, as the FAQ says
    assert api.call("get_costs_total", extra="projects", id_task=sub.id) == {
        "status": "ok", "total": total(lines[3:5])}


def task_fields(task):
    return {"id": str(task.id), "name": task.name, "page": task.page, "status": task.status,
            "priority": str(task.priority)}


def test_get_costs_filters(api, ws):
    first = add(api, ws.revision, time="1:00", date="01.05.2021", comment="Monthly report")
    second = add(api, ws.rollout, time="2:00", date="02.05.2021", comment="Code review")
    third = Cost.create(task=ws.rollout, user=ws.frank, minutes=30, date=dt.date(2021, 5, 3),
                        is_timer=True).id

    def ids(**params):
        return [int(c["id"]) for c in costs(api, **params)]

    assert ids() == [first, second, third]
    assert ids(id_task=ws.rollout.id) == [second, third]
    assert ids(id_project=ws.project.id) == [first, second, third]
    assert ids(datestart="02.05.2021") == [second, third]
    assert ids(datestart="01.05.2021", dateend="02.05.2021") == [first, second]  # inclusive
    assert ids(dateend="01.05.2021") == [first]
    assert ids(is_timer=1) == [third]
    assert ids(is_timer=0) == [first, second]
    assert ids(filter=f"id = {ws.rollout.id}") == [second, third]
    assert ids(filter=f"project in ({ws.project.id}, 99)") == [first, second, third]
    assert ids(filter="comment has 'REPORT' or comment = 'code review'") == [first, second]
    assert ids(filter="(comment has 'report' or comment has 'review') and dateadd>'01.05.2021'"
               ) == [second]
    assert api.call("get_costs", filter="dateadd = '03.05.2021'")["total"] == {
        "time": "0:30", "money": "0.00"}
    assert api.call("get_costs", id_task=ws.revision.id, is_timer=1) == {
        "status": "ok", "data": [], "total": {"time": "0:00", "money": "0.00"}}


def test_get_costs_with_an_unknown_project_or_task(api, ws):
    assert api.call("get_costs", id_project=999) == {
        "status": "error", "status_code": 4, "message": "Project is invalid"}
    assert api.call("get_costs_total", id_task=999) == {
        "status": "error", "status_code": 5, "message": "Task is invalid"}


def test_get_costs_with_a_bad_filter(api, ws):
    assert api.call("get_costs", filter="priority = 1") == {
        "status": "error", "status_code": 10, "message": "Field is required",
        "message_details": "filter: at 1: unknown field 'priority', expected one of task, "
                           "project, comment, dateadd, id, date_added"}


def test_update_costs(api, ws):
    """Postman: update_costs&id_costs=3706&time=2:15 → {"status": "ok"}."""
    line = add(api, ws.rollout, time="1,5", money="10", comment="Draft", email_user_from=FRANK)
    assert api.call("update_costs", id_costs=line, time="2:15") == {"status": "ok"}
    assert api.call("update_costs", id_costs=line, comment="Final", date="05.01.2021",
                    email_user_from=OWNER_EMAIL) == {"status": "ok"}
    [cost] = costs(api)
    assert (cost["time"], cost["money"], cost["comment"], cost["date"],
            cost["user_from"]["email"]) == ("2:15", "10.00", "Final", "2021-01-05", FRANK)
    api.call("update_costs", id_costs=line, time="3:00", is_rate=1, money="1")
    assert costs(api)[0]["money"] == "33.00"  # Frank's rate, not the money given
    api.call("update_costs", id_costs=line, money="0.5")
    assert (costs(api)[0]["time"], costs(api)[0]["money"]) == ("3:00", "0.50")


def test_update_costs_cannot_empty_a_line(api, ws):
    line = add(api, ws.rollout, time="1:00")
    assert api.call("update_costs", id_costs=line, time="0") == {
        "status": "error", "status_code": 10, "message": "Field is required",
        "message_details": "time or money"}
    assert costs(api)[0]["time"] == "1:00"


def test_update_and_delete_an_unknown_line(api, ws):
    for action in ("update_costs", "delete_costs"):
        assert api.call(action, id_costs=404, time="1:00") == {
            "status": "error", "status_code": 10, "message": "Cost line not found",
            "message_details": "404"}
    assert api.call("update_costs", time="1:00") == {
        "status": "error", "status_code": 10, "message": "Field is required",
        "message_details": "id_costs"}


def test_delete_costs_twice(api, ws):
    """Postman: delete_costs&id_costs=3690 → {"status": "ok"}; a second time it is gone."""
    line = add(api, ws.rollout, time="1:00")
    keep = add(api, ws.rollout, time="2:00")
    assert api.call("delete_costs", id_costs=line) == {"status": "ok"}
    assert api.call("delete_costs", id_costs=line) == {
        "status": "error", "status_code": 10, "message": "Cost line not found",
        "message_details": str(line)}
    assert [int(c["id"]) for c in costs(api)] == [keep]


def test_legacy_timemoney_names(api, ws):
    body = api.call("post_timemoney", page=f"/project/{ws.project.id}/{ws.rollout.id}/",
                    time="0:45", email_user_from=OWNER_EMAIL)
    line = body["id"]
    assert [c["time"] for c in ok_data(api.call("get_timemoney"))] == ["0:45"]
    assert api.call("update_timemoney", id=line, time="1:15") == {"status": "ok"}
    assert costs(api)[0]["time"] == "1:15"
    assert api.call("delete_timemoney", id=line) == {"status": "ok"}
    assert costs(api) == []


def invalid(field, reason):
    return {"status": "error", "status_code": 11, "message": f"Invalid {field}: {reason}",
            "message_details": field}


@pytest.mark.parametrize(("params", "error"), [
    ({"time": "abc"}, invalid("time", "must be a time like 1:30, 1.5 or 1,5")),
    ({"time": "-1:00"}, invalid("time", "must be a time like 1:30, 1.5 or 1,5")),
    ({"time": "25:61"}, invalid("time", "minutes must be below 60")),
    ({"time": "25:00"}, invalid("time", "must not exceed 24:00")),
    ({"time": "24.01"}, invalid("time", "must not exceed 24:00")),
    ({"time": "1:5"}, invalid("time", "must be a time like 1:30, 1.5 or 1,5")),
    ({"money": "1e400"}, invalid("money", "must be a non-negative number")),
    ({"money": "-5"}, invalid("money", "must be a non-negative number")),
    ({"money": "1000000000000.01"}, invalid("money", "must not exceed 1000000000000")),
    ({"time": "1:00", "date": "31.02.2021"},
     invalid("date", "'31.02.2021' is not a date in the DD.MM.YYYY format")),
    ({"time": ""}, {"status": "error", "status_code": 10, "message": "Field is required",
                    "message_details": "time or money"}),
    ({"comment": "only"}, {"status": "error", "status_code": 10,
                           "message": "Field is required", "message_details": "time or money"}),
    ({"time": "0", "money": "0"}, {"status": "error", "status_code": 10,
                                   "message": "Field is required",
                                   "message_details": "time or money"}),
])
def test_add_costs_rejects_bad_input_and_writes_nothing(api, ws, params, error):
    assert api.call("add_costs", id_task=ws.rollout.id, email_user_from=OWNER_EMAIL,
                    **params) == error
    assert Cost.select().count() == 0


def test_add_costs_rejects_huge_json_numbers(api, ws):
    assert api.post_json("add_costs", id_task=ws.rollout.id, money=10**400,
                         email_user_from=OWNER_EMAIL) == invalid(
        "money", "must not exceed 1000000000000")
    assert api.post_json("add_costs", id_task=ws.rollout.id, time=True,
                         email_user_from=OWNER_EMAIL) == invalid(
        "time", "must be a time like 1:30, 1.5 or 1,5")
    assert Cost.select().count() == 0


def test_add_costs_without_time_or_money_as_in_postman(api, ws):
    """Postman: add_costs&id_task=330090&time= (the missing field comes before the author)."""
    assert api.call("add_costs", id_task=ws.rollout.id, time="") == {
        "status": "error", "status_code": 10, "message": "Field is required",
        "message_details": "time or money"}


def test_add_costs_with_the_admin_key_is_the_owners_by_default(api, ws):
    """Postman's add_costs success example sends no email_user_from."""
    body = api.call("add_costs", id_task=ws.rollout.id, time="1:00")
    assert body["status"] == "ok" and Cost.get_by_id(body["id"]).user_id == ws.owner.id
    frank_line = api.call("add_costs", id_task=ws.rollout.id, time="2:00", email_user_from=FRANK)
    assert Cost.get_by_id(frank_line["id"]).user_id == ws.frank.id
    [mine] = [c for c in costs(api) if c["id"] == str(body["id"])]
    assert mine["user_from"] == HENRY
    assert api.call("add_costs", id_task=ws.rollout.id, time="1:00",
                    email_user_from="nobody@ws.com") == {
        "status": "error", "status_code": 11, "message": "Invalid email",
        "message_details": "nobody@ws.com"}
    assert Cost.select().count() == 2


def test_add_costs_to_an_unknown_task(api, ws):
    assert api.call("add_costs", id_task=999, time="1:00", email_user_from=OWNER_EMAIL) == {
        "status": "error", "status_code": 5, "message": "Task is invalid"}
    assert api.call("add_costs", time="1:00", email_user_from=OWNER_EMAIL) == {
        "status": "error", "status_code": 10, "message": "Field is required",
        "message_details": "id_task"}
    assert Cost.select().count() == 0


def test_the_official_client(live_server, ws):
    client = Client(live_server).set_api_key(API_KEY)
    line = client.costs.create(ws.rollout.id, {"time": "1:30", "email_user_from": FRANK,
                                               "is_rate": 1, "comment": "Setup"})
    assert isinstance(line, int)
    client.costs.create(ws.revision.id, {"money": 20, "email_user_from": OWNER_EMAIL,
                                         "date": "02.01.2021"})
    listed = client.costs.list({"id_project": ws.project.id})
    assert [(c.id, c.time, c.money, c.comment, c.user_from.email, c.task.name) for c in listed] == [
        (listed[0].id, "0:00", "20.00", "", OWNER_EMAIL, "Workflow revision"),
        (str(line), "1:30", "16.50", "Setup", FRANK, "Worksection implementation")]
    total = client.costs.total()
    assert (total.time, total.money, total.projects) == ("1:30", "36.50", {})
    client.costs.update(line, {"time": "2:00", "is_rate": 1})
    assert client.costs.total({"id_task": ws.rollout.id}).money == "22.00"
    client.costs.delete(line)
    assert [c.money for c in client.costs.list()] == ["20.00"]


def test_the_official_client_misreads_the_documented_projects_object(live_server, ws):
    """Its ``costs.total`` iterates ``projects`` as a list; we answer the object that Postman
    and the FAQ show (keyed by project id), which the 2.1.2 client cannot read."""
    add_line = Cost.create(task=ws.rollout, user=ws.frank, minutes=60, date=dt.date(2024, 4, 1))
    assert add_line.id
    client = Client(live_server).set_api_key(API_KEY)
    with pytest.raises(AttributeError):
        client.costs.total({"extra": "projects"})
