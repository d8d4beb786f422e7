"""What the mail parameters set is read back: a user's preferences in ``get_user``, a team's
notification list in ``get_user_group``, a project's address in ``get_project``."""

from __future__ import annotations

from conftest import ok_data
from mail_kit import PEOPLE


def test_get_user_shows_the_preferences_update_user_set(mail_app, api, mail_project):
    defaults = ok_data(api.call("get_user", email=PEOPLE[1]))["mail"]
    assert defaults == {"notify": "all", "notify_digest": "0", "morning_digest": 0}
    ok_data(api.call("update_user", email=PEOPLE[1], notify="mentions", notify_digest=60,
                     morning_digest=1))
    assert ok_data(api.call("get_user", email=PEOPLE[1]))["mail"] == {
        "notify": "mentions", "notify_digest": "60", "morning_digest": 1}
    mail_app.config["MAIL_NOTIFY"] = "off"  # the account's default, for those who set none
    assert ok_data(api.call("get_user", email=PEOPLE[2]))["mail"]["notify"] == "off"


def test_get_user_group_shows_its_notification_list(mail_app, api, mail_project):
    team = ok_data(api.call("add_user_group", title="Desk", notify="a@x.org,b@x.org"))
    assert ok_data(api.call("get_user_group", id=team["id"]))["notify"] == ["a@x.org", "b@x.org"]
    ok_data(api.call("update_user_group", id=team["id"], notify=""))
    assert "notify" not in ok_data(api.call("get_user_group", id=team["id"]))


def test_get_project_shows_its_mail_address(mail_app, api, mail_project):
    assert "mail_alias" not in ok_data(api.call("get_project", id_project=mail_project))
    ok_data(api.call("update_project", id_project=mail_project, mail_alias="support"))
    project = ok_data(api.call("get_project", id_project=mail_project))
    assert (project["mail_alias"], project["mail_address"]) == ("support", "support@example.com")
