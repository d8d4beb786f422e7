"""Users' schedules: get_users_schedule and update_users_schedule (FAQ api-user/1923, 1926)."""

from __future__ import annotations

import json

from conftest import OWNER_EMAIL, ok_data

from models.members import User
from models.schedule import ScheduleDay


def test_update_then_get_the_faq_example(api, frank):
    body = api.post_json("update_users_schedule", data={
        frank.email: {"04.01.2021": "vacation", "2021-03-13": "workday"},
        str(frank.id): {"15.10.2021": "sick-leave"}})
    assert body == {"status": "ok", "data": [], "message": "Days added: 3, days updated: 0"}
    data = ok_data(api.call("get_users_schedule", users=frank.email))
    assert data == {str(frank.id): {
        "id": str(frank.id), "email": "frank.harper@ws.com", "name": "Frank Harper",
        "group": "", "department": "",
        "schedule": {"2021-01-04": "vacation", "2021-03-13": "workday",
                     "2021-10-15": "sick-leave"}}}


def test_new_values_overwrite_and_unset_removes(api, frank):
    days = {"04.01.2021": "vacation", "05.01.2021": "vacation"}
    ok_data(api.post_json("update_users_schedule", data={frank.email: days}))
    body = api.call("update_users_schedule", data=json.dumps(
        {frank.email: {"04.01.2021": "sick-leave", "05.01.2021": "unset",
                       "06.01.2021": "workday"}}))
    assert body["message"] == "Days added: 1, days updated: 1, days removed: 1"
    assert ok_data(api.call("get_users_schedule"))[str(frank.id)]["schedule"] == {
        "2021-01-04": "sick-leave", "2021-01-06": "workday"}


def test_get_every_user_within_dates(api, frank):
    ok_data(api.post_json("update_users_schedule", data={
        OWNER_EMAIL: {"01.02.2021": "vacation", "01.03.2021": "vacation"}}))
    data = ok_data(api.call("get_users_schedule", datestart="01.02.2021",
                            dateend="28.02.2021"))
    assert list(data) == [str(User.owner().id), str(frank.id)]
    assert data[str(User.owner().id)]["schedule"] == {"2021-02-01": "vacation"}
    assert data[str(User.owner().id)]["group"] == "Main team"
    assert data[str(frank.id)]["schedule"] == {}


def test_update_with_an_unknown_user_writes_nothing(api, frank):
    body = api.post_json("update_users_schedule", data={
        frank.email: {"04.01.2021": "vacation"}, "nobody@ws.com": {"04.01.2021": "vacation"},
        "999": {"04.01.2021": "vacation"}})
    assert body == {"status": "error", "status_code": 11, "message": "Invalid email",
                    "message_details": "nobody@ws.com,999"}
    assert ScheduleDay.select().count() == 0


def test_update_bad_inputs(api, frank):
    def error(data):
        return api.post_json("update_users_schedule", data=data)

    assert api.call("update_users_schedule") == {
        "status": "error", "status_code": 10, "message": "Field is required",
        "message_details": "data"}
    assert error({frank.email: {"31.02.2021": "vacation"}})["message"] == \
        "Invalid data: '31.02.2021' is not a date in the DD.MM.YYYY format"
    assert error({frank.email: {"01.02.2021": "holiday"}})["message"] == \
        "Invalid data: 'holiday' is not one of vacation, sick-leave, workday, unset"
    assert error([1, 2])["message_details"] == "data"
    assert api.call("update_users_schedule", data="{not json")["message"] == \
        "Invalid data: must be a JSON object"
    assert ScheduleDay.select().count() == 0


def test_get_bad_inputs(api):
    assert api.call("get_users_schedule", users="ghost@ws.com")["message_details"] == \
        "ghost@ws.com"
    assert api.call("get_users_schedule", datestart="02.01.2021", dateend="01.01.2021") == {
        "status": "error", "status_code": 11, "message": "Invalid dateend: is before datestart",
        "message_details": "dateend"}
