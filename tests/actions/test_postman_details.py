"""Details the Postman success examples show and real clients hit: people lists on create
actions that name a non-user, a task's time_start / time_end."""

from __future__ import annotations

import pytest
from conftest import ok_data, post_task, ref

from models.tasks import Task, TaskSubscriber, TaskVisibility

STRANGER = "bill.jones@gmail.com"  # in Postman's requests, in no user list


def test_post_project_members_leave_non_users_out(api, kate):
    """Postman: members=kate.greenway@ws.com, bill.jones@gmail.com → ok."""
    data = ok_data(api.call("post_project", title="Brand", members=f"{kate.email}, {STRANGER}",
                            extra="users"))
    assert [u["email"] for u in data["users"]] == ["henry.gardner@ws.com", kate.email]
    assert api.call("add_project_members", id_project=data["id"], members=STRANGER)[
        "status_code"] == 11  # the membership actions stay strict


def test_post_task_subscribe_and_hidden_leave_non_users_out(api, website, kate):
    """Postman: subscribe= and hidden=kate.greenway@ws.com, bill.jones@gmail.com → ok."""
    task = post_task(api, website, subscribe=f"{kate.email}, {STRANGER}",
                     hidden=f"{kate.email}, {STRANGER}")
    assert sorted(s.user_id for s in TaskSubscriber.select()) == sorted(
        [Task.get_by_id(task).author_id, kate.id])
    assert [v.user_id for v in TaskVisibility.select()] == [kate.id]
    assert api.call("subscribe", id_task=task, email_user=STRANGER)["status_code"] == 11


def task_times(api, task: int) -> tuple:
    data = ok_data(api.call("get_task", id_task=task))
    return data.get("time_start"), data.get("time_end")


def test_task_times_are_stored_returned_and_cleared(api, website):
    task = post_task(api, website, datestart="16.01.2021", dateend="16.02.2021",
                     time_start="8:00", time_end="18:00")
    data = ok_data(api.call("get_task", id_task=task))
    keys = list(data)
    assert keys[keys.index("date_end") + 1:keys.index("date_end") + 3] == [
        "time_start", "time_end"]  # where Postman's get_task example has them
    assert task_times(api, task) == ("08:00", "18:00")
    ok_data(api.call("update_task", id_task=task, time_end="16:00"))
    assert task_times(api, task) == ("08:00", "16:00")
    ok_data(api.call("update_task", id_task=task, time_start="", time_end=""))
    assert task_times(api, task) == (None, None)  # unset: the keys are left out


def test_task_time_changes_are_events(api, website, frank):
    task = post_task(api, website, time_end="16:00")
    ok_data(api.call("update_task", id_task=task, time_end="", email_user_to=frank.email))
    posted, updated = [e for e in ok_data(api.call("get_events", period="1d"))
                       if e["object"]["type"] == "task"]
    assert posted["new"]["time_end"] == "16:00"
    assert (updated["new"]["time_end"], updated["old"]["time_end"]) == ("", "16:00")
    assert updated["new"]["user_to"] == ref(frank)


@pytest.mark.parametrize("value", ["25:00", "8", "08:60", "noon"])
def test_a_bad_task_time_is_code_11_naming_it(api, website, value):
    body = api.call("post_task", id_project=website, title="T", time_start=value)
    assert (body["status_code"], body["message_details"]) == (11, "time_start")
    assert Task.select().count() == 0
