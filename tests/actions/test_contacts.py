"""Contacts and contact folders."""

from __future__ import annotations

from conftest import md5_hash, ok_data

from models.members import Contact, ContactFolder

BRIAN = {"email": "brian.dragonfly@gmail.com", "name": "Brian Dragonfly", "title": "manager",
         "group": "Clients", "phone": "1 345 234 23 67", "phone2": "486 09 77",
         "phone3": "(8984) 345 65 02", "phone4": "389 87 35",
         "address": "Apt. 406 855 Renner Trail, Rowemouth, IN 42165",
         "address2": "59064 Robby Prairie, North Abel, NE 93368"}


def test_add_contact_answers_like_the_postman_example(api):
    assert ok_data(api.call("add_contact", **BRIAN)) == {
        "id": "1", "first_name": "Brian", "last_name": "Dragonfly", "name": "Brian Dragonfly",
        "title": "manager", "group": "Clients", "email": "brian.dragonfly@gmail.com",
        "phone": "1 345 234 23 67", "phone2": "486 09 77", "phone3": "(8984) 345 65 02",
        "phone4": "389 87 35", "address": "Apt. 406 855 Renner Trail, Rowemouth, IN 42165",
        "address2": "59064 Robby Prairie, North Abel, NE 93368"}


def test_get_contacts_omits_unset_fields_and_defaults_to_the_default_folder(api):
    ok_data(api.call("add_contact", **BRIAN))
    ok_data(api.post_json("add_contact", email="mike.shaw@gmail.com", name="Mike Shaw"))
    contacts = ok_data(api.call("get_contacts"))
    assert contacts[1] == {"id": "2", "first_name": "Mike", "last_name": "Shaw",
                           "name": "Mike Shaw", "title": "", "group": "DEFAULT",
                           "email": "mike.shaw@gmail.com"}
    assert contacts[0]["group"] == "Clients"


def test_add_contact_into_a_preset_folder(api):
    assert ok_data(api.call("add_contact", email="a@b.io", name="A", group="hidden"))["group"] \
        == "HIDDEN"
    assert not ContactFolder.select().exists()


def test_add_contact_with_two_emails(api):
    """Postman's error example."""
    assert api.call("add_contact", email="brian.dragonfly@gmail.com,mike.showcase@gmail.com",
                    name="Brian Dragonfly,Mike Showcase") == {
        "status": "error", "status_code": 11, "message": "Invalid email",
        "message_details": "brian.dragonfly@gmail.com,mike.showcase@gmail.com"}
    assert not Contact.select().exists()


def test_add_contact_without_name(api):
    assert api.call("add_contact", email="a@b.io") == {
        "status": "error", "status_code": 10, "message": "Field is required",
        "message_details": "name"}


def test_add_contact_without_email(api):
    assert api.call("add_contact", name="Nobody")["message_details"] == "email"


def test_get_contact_groups_lists_presets_then_folders(api):
    ok_data(api.call("add_contact_group", title="Clients"))
    assert ok_data(api.call("get_contact_groups")) == [
        {"id": 1, "title": "USERS", "type": "preset"},
        {"id": 2, "title": "DEFAULT", "type": "preset"},
        {"id": 3, "title": "TEAM_ONLY", "type": "preset"},
        {"id": 4, "title": "HIDDEN", "type": "preset"},
        {"id": "1", "title": "Clients", "type": "folder"}]


def test_add_contact_group_is_idempotent_by_title(api):
    first = ok_data(api.call("add_contact_group", title="Contractors"))
    assert first == {"id": "1", "title": "Contractors", "type": "folder"}
    assert ok_data(api.call("add_contact_group", title="Contractors")) == first
    assert ContactFolder.select().count() == 1


def test_add_contact_group_without_title(client):
    """Postman's error example sends a bare ``title``."""
    query = "action=add_contact_group&title"
    assert client.get(f"/api/admin/v2/?{query}&hash={md5_hash(query)}").get_json() == {
        "status": "error", "status_code": 10, "message": "Field is required",
        "message_details": "title"}
