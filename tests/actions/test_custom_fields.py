"""Custom fields: get_task_custom_fields, get_project_custom_fields, Taskgate's actions that
define them, the ``custom_fields`` values of post/update task and project, extra=custom_fields
and the events."""

from __future__ import annotations

import json

import pytest
from conftest import API_KEY, error, ok_data, ref
from worksection.client import Client
from worksection.models.custom_field import CustomField as ClientField
from worksection.models.custom_value import CustomValue as ClientValue

from models.custom_fields import CustomField, CustomValue
from models.events import Event
from models.members import Contact, User
from models.projects import Project
from models.tasks import Task
from models.tokens import Token


def define(api, scope, name, type="string", **params):
    return ok_data(api.call(f"add_{scope}_custom_field", name=name, type=type, **params))


@pytest.fixture
def project(app):
    return Project.create(name="Owl brand launch", author=User.owner())


@pytest.fixture
def task_fields(api, frank):
    """One task field of each type, by type."""
    return {
        "string": define(api, "task", "Client code"),
        "text": define(api, "task", "Brief", "text", descr="What the client asked for"),
        "number": define(api, "task", "Budget", "number"),
        "date": define(api, "task", "Deadline", "date"),
        "select": define(api, "task", "Severity", "select", options="High,Low"),
        "checkbox": define(api, "task", "Billable", "checkbox"),
        "user": define(api, "task", "Reviewer", "user"),
    }


def values(fields, **by_type):
    """``{field id: value}`` from values given by type."""
    return {fields[kind]["id"]: value for kind, value in by_type.items()}


def shown(field, value):
    return {"id": field["id"], "type": field["type"], "name": field["name"], "value": value}


def post(api, project, **params):
    params.setdefault("title", "Logo")
    return ok_data(api.post_json("post_task", id_project=project.id, **params))


def last_event():
    return Event.select().order_by(Event.id.desc()).first()


# definitions


def test_fields_are_defined_read_and_kept_apart_by_scope(api):
    severity = define(api, "task", "Severity", "select", options='["High, urgent", "Low"]')
    code = define(api, "task", "Client code", descr="From the CRM")
    assert severity == {"id": severity["id"], "type": "select", "name": "Severity", "descr": "",
                        "options": ["High, urgent", "Low"]}
    assert ok_data(api.call("get_task_custom_fields")) == [severity, code]
    assert code == {"id": code["id"], "type": "string", "name": "Client code",
                    "descr": "From the CRM", "options": []}
    assert ok_data(api.call("get_project_custom_fields")) == []
    stage = define(api, "project", "Severity", "select", options=["Pilot", "Rollout"])
    assert stage["options"] == ["Pilot", "Rollout"] and stage["id"] != severity["id"]
    assert ok_data(api.call("get_project_custom_fields")) == [stage]


def test_type_defaults_to_string_and_options_are_trimmed_and_unique(api):
    assert define(api, "task", "Code", type="")["type"] == "string"
    assert define(api, "task", "Size", "select", options=" S , M,S,,L ")["options"] == [
        "S", "M", "L"]


def test_adding_a_name_again_answers_the_field_as_it_is(api):
    first = define(api, "task", "Budget", "number", descr="EUR")
    assert define(api, "task", "Budget", "number", descr="USD") == first
    assert api.call("add_task_custom_field", name="Budget", type="date") == error(
        11, "Custom field with this name already exists", "Budget")
    assert CustomField.select().count() == 1


@pytest.mark.parametrize("params, expected", [
    ({}, error(10, "Field is required", "name")),
    ({"name": "   "}, error(10, "Field is required", "name")),
    ({"name": "X", "type": "colour"}, error(
        11, "Invalid type: must be one of string, text, number, date, select, checkbox, user",
        "type")),
    ({"name": "X", "type": "select"}, error(10, "Field is required", "options")),
    ({"name": "X", "type": "select", "options": ","}, error(
        11, "Invalid options: must name at least one option", "options")),
    ({"name": "X", "type": "select", "options": "[1, "}, error(
        11, "Invalid options: is not a valid JSON array", "options")),
    ({"name": "X", "options": "a,b"}, error(
        11, "Invalid options: only a select field has options")),
    ({"name": "X" * 501}, error(11, "Invalid name: longer than 500 characters", "name")),
])
def test_add_errors(api, params, expected):
    assert api.call("add_project_custom_field", **params) == expected
    assert CustomField.select().count() == 0


def test_update_renames_describes_and_changes_options(api):
    size = define(api, "task", "Size", "select", options="S,M")
    define(api, "task", "Weight", "number")
    changed = ok_data(api.call("update_task_custom_field", id=size["id"], name="T-shirt size",
                               descr="As ordered", options="S,M,L"))
    assert changed == {**size, "name": "T-shirt size", "descr": "As ordered",
                       "options": ["S", "M", "L"]}
    assert ok_data(api.call("get_task_custom_fields"))[0] == changed
    assert api.call("update_task_custom_field", id=size["id"], name="Weight") == error(
        11, "Custom field with this name already exists", "Weight")


def test_update_and_delete_errors(api, project):
    weight = define(api, "task", "Weight", "number")
    stage = define(api, "project", "Stage", "select", options="Pilot,Rollout")
    ok_data(api.call("post_project", title="P", custom_fields=json.dumps({stage["id"]: "pilot"})))
    assert api.call("update_task_custom_field", id=weight["id"], options="a") == error(
        11, "Invalid options: only a select field has options")
    assert api.call("update_project_custom_field", id=stage["id"], options="Rollout") == error(
        11, "Invalid options: still set: Pilot", "options")
    for name in ("update_task_custom_field", "delete_task_custom_field"):
        assert api.call(name, id=stage["id"]) == error(10, "Custom field is invalid", stage["id"])
        assert api.call(name) == error(10, "Field is required", "id")
    assert CustomField.get_by_id(stage["id"]).options == ["Pilot", "Rollout"]


def test_delete_takes_the_values_with_the_field(api, project, task_fields):
    task = post(api, project, custom_fields=values(task_fields, string="A-7", number=3))
    assert ok_data(api.call("delete_task_custom_field", id=task_fields["string"]["id"])) is None
    data = ok_data(api.call("get_task", id_task=task["id"], extra="custom_fields"))
    assert data["custom_fields"] == [shown(task_fields["number"], 3)]
    assert [f["name"] for f in ok_data(api.call("get_task_custom_fields"))] == [
        "Brief", "Budget", "Deadline", "Severity", "Billable", "Reviewer"]
    assert CustomValue.select().count() == 1


# values on tasks


def test_post_task_sets_a_value_of_every_type(api, project, task_fields, frank):
    data = post(api, project, extra="custom_fields", custom_fields=values(
        task_fields, string=" A-7 ", text="Line one\nLine two", number="12,50",
        date="31.12.2026", select="high", checkbox=True, user="Frank.Harper@ws.com"))
    assert data["custom_fields"] == [
        shown(task_fields["string"], "A-7"), shown(task_fields["text"], "Line one\nLine two"),
        shown(task_fields["number"], 12.5), shown(task_fields["date"], "2026-12-31"),
        shown(task_fields["select"], "High"), shown(task_fields["checkbox"], 1),
        shown(task_fields["user"], ref(frank))]
    task = ok_data(api.call("get_task", id_task=data["id"], extra="custom_fields"))
    assert task["custom_fields"] == data["custom_fields"]
    row = CustomValue.get(CustomValue.field == task_fields["date"]["id"])
    assert str(row.value_date) == "2026-12-31"


def test_values_come_as_php_brackets_or_json_text_too(api, project, task_fields):
    code, budget = task_fields["string"]["id"], task_fields["number"]["id"]
    data = ok_data(api.call("post_task", id_project=project.id, title="Logo",
                            extra="custom_fields",
                            **{f"custom_fields[{code}]": "A-7", f"custom_fields[{budget}]": "-3"}))
    assert data["custom_fields"] == [shown(task_fields["string"], "A-7"),
                                     shown(task_fields["number"], -3)]
    data = ok_data(api.call("update_task", id_task=data["id"], extra="custom_fields",
                            custom_fields=json.dumps({code: "B-1", budget: "0.000001"})))
    assert data["custom_fields"] == [shown(task_fields["string"], "B-1"),
                                     shown(task_fields["number"], 0.000001)]


def test_update_task_changes_clears_and_keeps_values(api, project, task_fields):
    task = post(api, project, custom_fields=values(task_fields, string="A-7", checkbox=1,
                                                   date="2026-01-05", number=2))
    data = ok_data(api.post_json("update_task", id_task=task["id"], extra="custom_fields",
                                 custom_fields=values(task_fields, string="", checkbox="0",
                                                      date=None, select="Low")))
    assert data["custom_fields"] == [shown(task_fields["number"], 2),
                                     shown(task_fields["select"], "Low"),
                                     shown(task_fields["checkbox"], 0)]
    without = ok_data(api.call("update_task", id_task=task["id"], priority=5))
    assert "custom_fields" not in without


def test_values_are_checked_against_their_field(api, project, task_fields, frank):
    Contact.create(email="client@example.com", first_name="Cli", last_name="Ent")
    task = post(api, project, custom_fields=values(task_fields, select="High"))
    ids = {kind: field["id"] for kind, field in task_fields.items()}
    stage = define(api, "project", "Stage")
    bad = {
        "select": ("Urgent", error(11, f"Invalid custom_fields[{ids['select']}]: must be one "
                                       "of High, Low", f"custom_fields[{ids['select']}]")),
        "date": ("31.02.2026", error(11, f"Invalid custom_fields[{ids['date']}]: '31.02.2026' "
                                         "is not a date in the DD.MM.YYYY format",
                                     f"custom_fields[{ids['date']}]")),
        "number": ("12 EUR", error(11, f"Invalid custom_fields[{ids['number']}]: must be a "
                                       "number", f"custom_fields[{ids['number']}]")),
        "checkbox": ("maybe", error(11, f"Invalid custom_fields[{ids['checkbox']}]: must be 1 "
                                        "or 0", f"custom_fields[{ids['checkbox']}]")),
        "user": ("client@example.com", error(11, "Invalid email", "client@example.com")),
        "string": (True, error(11, f"Invalid custom_fields[{ids['string']}]: must be a string",
                               f"custom_fields[{ids['string']}]")),
    }
    for kind, (value, expected) in bad.items():
        for action, where in (("post_task", {"id_project": project.id, "title": "T"}),
                              ("update_task", {"id_task": task["id"]})):
            given = {ids["text"]: "valid", ids[kind]: value}
            assert api.post_json(action, **where, custom_fields=given) == expected, kind
    assert api.call("update_task", id_task=task["id"], custom_fields=json.dumps(
        {ids["string"]: "x", "999": "y", stage["id"]: "z"})) == error(
        10, "Custom field is invalid", f"999,{stage['id']}")
    assert api.call("update_task", id_task=task["id"], custom_fields=json.dumps(
        {ids["number"]: "1234567890.123456"})) == error(
        11, f"Invalid custom_fields[{ids['number']}]: must have at most 15 digits, 6 after "
            "the point", f"custom_fields[{ids['number']}]")
    assert Task.select().count() == 1
    assert [row.value_text for row in CustomValue.select()] == ["High"]


@pytest.mark.parametrize("value, reason", [
    ("abc", 'must be an object of {"<field id>": value}'),
    ('{"1": ', "is not a valid JSON object"),
    ('{"x": 1}', "keys must be custom field ids"),
    ('{"1": [1]}', "values must be strings, numbers or null"),
])
def test_custom_fields_must_be_an_object_by_field_id(api, project, value, reason):
    assert api.call("post_task", id_project=project.id, title="T", custom_fields=value) == error(
        11, f"Invalid custom_fields: {reason}", "custom_fields")
    assert api.call("post_task", id_project=project.id, title="T",
                    **{"custom_fields[]": "x"}) == error(
        11, 'Invalid custom_fields: must be an object of {"<field id>": value}', "custom_fields")


# values on projects


def test_project_values_are_set_updated_cleared_and_shown_on_request(api, frank):
    stage = define(api, "project", "Stage", "select", options="Pilot,Rollout")
    owner = define(api, "project", "Account manager", "user")
    kickoff = define(api, "project", "Kick-off", "date")
    data = ok_data(api.post_json("post_project", title="Owl", extra="custom_fields",
                                 custom_fields={stage["id"]: "Pilot", owner["id"]: frank.email}))
    assert data["custom_fields"] == [shown(stage, "Pilot"), shown(owner, ref(frank))]
    assert "custom_fields" not in ok_data(api.call("get_project", id_project=data["id"]))
    data = ok_data(api.call("update_project", id_project=data["id"], extra="custom_fields",
                            **{f"custom_fields[{owner['id']}]": "",
                               f"custom_fields[{kickoff['id']}]": "02.03.2026"}))
    assert data["custom_fields"] == [shown(stage, "Pilot"), shown(kickoff, "2026-03-02")]
    assert ok_data(api.call("get_projects", extra="custom_fields")) == [data]
    assert api.call("update_project", id_project=data["id"], custom_fields=json.dumps(
        {stage["id"]: "Done"})) == error(
        11, f"Invalid custom_fields[{stage['id']}]: must be one of Pilot, Rollout",
        f"custom_fields[{stage['id']}]")
    task_field = define(api, "task", "Code")
    assert api.call("post_project", title="P", custom_fields=json.dumps(
        {task_field["id"]: "x"})) == error(10, "Custom field is invalid", task_field["id"])
    assert Project.select().count() == 1


# extras


def test_every_task_list_takes_extra_custom_fields(api, project, task_fields):
    top = post(api, project, custom_fields=values(task_fields, string="A-7"))
    sub = post(api, project, id_parent=top["id"], custom_fields=values(task_fields, number=1))
    post(api, project, title="Plain")
    extra = "custom_fields,subtasks"
    listed = ok_data(api.call("get_tasks", id_project=project.id, extra=extra))
    assert listed == ok_data(api.call("get_all_tasks", extra=extra))
    assert listed[0]["custom_fields"] == [shown(task_fields["string"], "A-7")]
    assert listed[0]["child"][0]["custom_fields"] == [shown(task_fields["number"], 1)]
    assert "custom_fields" not in listed[1]
    found = ok_data(api.call("search_tasks", id_project=project.id, extra="custom_fields"))
    assert [t.get("custom_fields") for t in found] == [
        listed[0]["custom_fields"], listed[0]["child"][0]["custom_fields"], None]
    assert found[1]["id"] == sub["id"]
    plain = ok_data(api.call("get_task", id_task=top["id"]))
    assert "custom_fields" not in plain


def test_custom_fields_load_in_a_fixed_number_of_queries(api, project, task_fields, frank,
                                                         count_queries):
    def queries(action, **params):
        count_queries.clear()
        data = ok_data(api.call(action, extra="custom_fields,subtasks", **params))
        assert all(len(item["custom_fields"]) == 2 for item in data), data
        return len(count_queries)

    stage, lead = define(api, "project", "Stage"), define(api, "project", "Lead", "user")
    given = {stage["id"]: "Pilot", lead["id"]: frank.email}
    ok_data(api.post_json("update_project", id_project=project.id, custom_fields=given))
    counts = []
    for n in (3, 30):
        while Task.select().count() < n:
            post(api, project, custom_fields=values(task_fields, string="A", user=frank.email))
        while Project.select().count() < n:
            ok_data(api.post_json("post_project", title="P", custom_fields=given))
        counts.append([queries("get_tasks", id_project=project.id), queries("get_all_tasks"),
                       queries("search_tasks", id_project=project.id),
                       queries("get_projects")])
    assert counts[0] == counts[1], counts


# events


def test_task_events_carry_the_changed_values(api, project, task_fields, frank):
    task = post(api, project, custom_fields=values(task_fields, string="A-7", number="2.50"))
    code, budget, reviewer = (task_fields[k] for k in ("string", "number", "user"))
    assert last_event().new_values["custom_fields"] == {
        code["id"]: {**entry(code, "A-7"), "text": "A-7"},
        budget["id"]: {**entry(budget, 2.5), "text": "2.5"}}

    ok_data(api.post_json("update_task", id_task=task["id"], priority=3, custom_fields=values(
        task_fields, string="", number=2.5, user=frank.email, checkbox=0)))
    event = last_event()
    assert event.action == "update"
    assert event.new_values == {"priority": "3", "custom_fields": {
        code["id"]: {**entry(code, ""), "text": ""},
        reviewer["id"]: {**entry(reviewer, ref(frank)), "text": "Frank Harper"},
        task_fields["checkbox"]["id"]: {**entry(task_fields["checkbox"], 0), "text": "No"}}}
    assert event.old_values == {"priority": "1", "custom_fields": {
        code["id"]: {**entry(code, "A-7"), "text": "A-7"},
        reviewer["id"]: {**entry(reviewer, ""), "text": ""},
        task_fields["checkbox"]["id"]: {**entry(task_fields["checkbox"], ""), "text": ""}}}

    before = Event.select().count()
    ok_data(api.call("update_task", id_task=task["id"], custom_fields=json.dumps(
        {budget["id"]: "2.5"})))
    assert Event.select().count() == before  # the same value: no change, no event
    data = ok_data(api.call("get_events", period="1d", id_task=task["id"]))
    assert data[0]["new"]["custom_fields"][budget["id"]]["value"] == 2.5


def test_project_events_carry_the_changed_values(api):
    stage = define(api, "project", "Stage", "select", options="Pilot,Rollout")
    project = ok_data(api.post_json("post_project", title="Owl",
                                    custom_fields={stage["id"]: "Pilot"}))
    assert last_event().new_values["custom_fields"] == {
        stage["id"]: {**entry(stage, "Pilot"), "text": "Pilot"}}
    ok_data(api.post_json("update_project", id_project=project["id"],
                          custom_fields={stage["id"]: "Rollout"}))
    event = last_event()
    assert (event.action, event.new_values, event.old_values) == ("update", {
        "custom_fields": {stage["id"]: {**entry(stage, "Rollout"), "text": "Rollout"}}}, {
        "custom_fields": {stage["id"]: {**entry(stage, "Pilot"), "text": "Pilot"}}})


def entry(field, value):
    return {"id": field["id"], "name": field["name"], "type": field["type"], "value": value}


# who may define them, and the official client


def test_defining_fields_needs_the_administrative_scope(client, api, frank):
    token = Token.issue("access", frank, ["tasks_read", "tasks_write"])[1]

    def call(action, **params):
        return client.post(f"/api/oauth2?action={action}", json=params or None,
                           headers={"Authorization": f"Bearer {token}"}).get_json()

    assert call("add_task_custom_field", name="Code") == error(
        2, "Access token has no scope for this action", "administrative")
    define(api, "task", "Code")
    assert [f["name"] for f in ok_data(call("get_task_custom_fields"))] == ["Code"]
    assert call("get_project_custom_fields")["message_details"] == "projects_read"


def test_the_official_client_reads_fields_and_values(live_server, api, project, task_fields,
                                                     frank):
    ws = Client(live_server).set_api_key(API_KEY)
    assert ws.tasks.custom_fields() == [
        ClientField(id=f["id"], type=f["type"], name=f["name"], descr=f["descr"],
                    options=f["options"]) for f in task_fields.values()]
    severity, reviewer = task_fields["select"], task_fields["user"]
    task = ws.tasks.create(project.id, "Logo", {
        "custom_fields": {int(severity["id"]): "Low"}, "extra": "custom_fields"})
    assert task.custom_fields == [ClientValue(id=severity["id"], type="select",
                                              name="Severity", value="Low")]
    ws.tasks.update(int(task.id), {"custom_fields": {reviewer["id"]: frank.email}})
    fetched = ws.tasks.get(int(task.id), {"extra": "custom_fields"})
    assert [(v.name, v.value) for v in fetched.custom_fields] == [
        ("Severity", "Low"), ("Reviewer", ref(frank))]

    stage = define(api, "project", "Stage", "select", options="Pilot,Rollout")
    assert [f.name for f in ws.projects.custom_fields()] == ["Stage"]
    created = ws.projects.create("Owl", {"custom_fields": {stage["id"]: "Pilot"}})
    got = ws.projects.get(int(created.id), {"extra": "custom_fields"})
    assert got.custom_fields == [ClientValue(id=stage["id"], type="select", name="Stage",
                                             value="Pilot")]
