"""The v1 era: ``/api/admin/`` with the v1 action names, driven the way the public v1 clients
build their requests (see README "Old integrations"), and the Nov 2023 PHP SDK's
``add_tags`` / ``add_tag_groups`` (multipart body, legacy hash)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from conftest import API_KEY, OWNER_EMAIL, md5_hash, ok_data

from actions.registry import ACTIONS

V1_ALIASES = {"get_priority": "get_all_tasks", "get_subtasks": "get_task",
              "add_tags": "add_task_tags", "add_tag_groups": "add_task_tag_groups"}


def ruby_gem(client, action: str, page: str = "", **params: str) -> dict:
    """valentinmaslennikov/worksection-ruby (2019): GET /api/admin/?action=X&page=P&k=v&hash=H,
    values appended unencoded, hash = md5(page + action + key)."""
    url = f"/api/admin/?action={action}" + (f"&page={page}" if page else "")
    url += "".join(f"&{key}={value}" for key, value in params.items())
    return client.get(f"{url}&hash={md5_hash(page + action)}").get_json()


def jira_bridge(client, action: str, **fields: str) -> dict:
    """zeetabit/worksection-jira (2018, Guzzle): GET {WS_HOST}?<fields>&hash=H&action=X, encoded
    RFC 3986 (``/`` as ``%2F``), hash = md5(page + action + key)."""
    fields = {**fields, "hash": md5_hash(fields.get("page", "") + action), "action": action}
    query = "&".join(f"{quote(k, safe='~')}={quote(str(v), safe='~')}" for k, v in fields.items())
    return client.get(f"/api/admin/?{query}").get_json()


def php_sdk_2023(client, path: str, action: str, **params: str) -> dict:
    """worksection/worksection-php-sdk 2.0.0 (Nov 2023): POST, an empty query, the parameters
    and the hash as multipart parts, hash = md5(action + key)."""
    body = {"action": action, **params, "hash": md5_hash(action)}
    return client.post(path, data=body, content_type="multipart/form-data").get_json()


def test_the_v1_path_answers_tags_as_a_list_of_names(api, client):
    ok_data(api.call("add_task_tag_groups", title="Kind", type="label", access="public"))
    ok_data(api.call("add_task_tags", group="Kind", title="Docs,Bug"))
    project = ok_data(api.call("post_project", title="Website"))["id"]
    task = ok_data(api.call("post_task", id_project=project, title="Readme", tags="Docs,Bug"))
    v1 = ok_data(ruby_gem(client, "get_task", task["page"]))
    assert sorted(v1["tags"]) == ["Bug", "Docs"]  # v1 clients test 'Bug' in tags
    listed = ok_data(ruby_gem(client, "get_all_tasks"))
    assert sorted(listed[0]["tags"]) == ["Bug", "Docs"]
    assert sorted(ok_data(api.call("get_task", id_task=task["id"]))["tags"].values()) == [
        "Bug", "Docs"]  # the v2 path keeps the object keyed by tag id


@pytest.mark.parametrize("path", ["/api/admin/", "/api/admin"])
def test_the_v1_path_answers(client, path):
    assert ok_data(client.get(f"{path}?action=get_users&hash={md5_hash('get_users')}").get_json())


def test_the_ruby_gem_from_project_to_costs(client):
    project = ok_data(ruby_gem(client, "post_project", title="Website",
                               email_user_from=OWNER_EMAIL))
    page = project["page"]
    assert ok_data(ruby_gem(client, "get_projects"))[0]["page"] == page
    task = ok_data(ruby_gem(client, "post_task", page, title="Mockups", priority="9",
                            email_user_from=OWNER_EMAIL))
    ok_data(ruby_gem(client, "post_subtask", task["page"], title="Header",
                     email_user_from=OWNER_EMAIL))
    ok_data(ruby_gem(client, "post_task", page, title="Done", email_user_from=OWNER_EMAIL))
    tasks = ok_data(ruby_gem(client, "get_tasks", page.rstrip("/")))  # the gem drops the slash
    assert [t["name"] for t in tasks] == ["Mockups", "Done"]
    ok_data(ruby_gem(client, "complete_task", tasks[1]["page"]))
    priority = ok_data(ruby_gem(client, "get_priority"))
    assert [(t["name"], t["priority"], t["page"]) for t in priority] == [
        ("Mockups", "9", task["page"])]
    subtasks = ok_data(ruby_gem(client, "get_subtasks", task["page"]))["child"]
    assert [s["name"] for s in subtasks] == ["Header"]
    added = ruby_gem(client, "post_timemoney", task["page"], time="1:30", money="10",
                     email_user_from=OWNER_EMAIL, comment="Design")
    assert added["status"] == "ok"
    [line] = ok_data(ruby_gem(client, "get_timemoney", page))
    assert (line["time"], line["money"], line["comment"]) == ("1:30", "10.00", "Design")
    assert ruby_gem(client, "delete_timemoney", task["page"], id=str(added["id"])) == {
        "status": "ok"}


def test_the_jira_bridge_creates_and_closes(client, frank):
    project = ok_data(jira_bridge(client, "post_project", email_user_from=OWNER_EMAIL,
                                  email_user_manager=frank.email, title="Jira sync",
                                  **{"members[0]": frank.email}))
    assert project["user_to"]["email"] == frank.email
    task = ok_data(jira_bridge(client, "post_task", page=project["page"], title="PROJ-1 Bug",
                               email_user_from=OWNER_EMAIL, email_user_to=frank.email,
                               text="From Jira"))
    assert ok_data(jira_bridge(client, "get_tasks", page=project["page"]))[0]["page"] == (
        task["page"])
    renamed = jira_bridge(client, "update_task", page=task["page"], title="PROJ-1 Bug (2)")
    assert renamed["status"] == "ok"
    assert jira_bridge(client, "post_timemoney", page=task["page"], email_user_from=frank.email,
                       time="2", comment="PROJ-1")["status"] == "ok"
    assert ok_data(jira_bridge(client, "complete_task", page=task["page"]))["status"] == "done"
    [mirrored] = ok_data(jira_bridge(client, "get_projects"))
    assert (mirrored["page"], mirrored["name"]) == (project["page"], "Jira sync")


@pytest.mark.parametrize("path", ["/api/admin/v2", "/api/admin/"])
def test_the_2023_php_sdk_adds_tag_groups_and_tags(client, path):
    assert md5_hash("add_tags", API_KEY) == "24cb3cb16df1b9c05bfb1401d74e55db"  # the note's vector
    groups = ok_data(php_sdk_2023(client, path, "add_tag_groups", type="label", access="public",
                                  title="Development"))
    assert [(g["title"], g["type"], g["access"]) for g in groups] == [
        ("Development", "label", "public")]
    tags = ok_data(php_sdk_2023(client, path, "add_tags", group="Development",
                                title="bug,feature,design"))
    assert [t["title"] for t in tags] == ["bug", "feature", "design"]
    listed = ok_data(php_sdk_2023(client, path, "get_tags", group="Development"))
    assert sorted(t["title"] for t in listed) == ["bug", "design", "feature"]


def test_a_bad_legacy_hash_is_refused_on_the_v1_path(client):
    body = client.get("/api/admin/?action=get_priority&hash=" + "0" * 32).get_json()
    assert (body["status"], body["status_code"]) == ("error", 2)


def test_v1_names_are_deprecated_aliases_in_openapi(client):
    schemas = client.get("/openapi.json").get_json()["components"]["schemas"]
    for alias, canonical in V1_ALIASES.items():
        assert ACTIONS[alias].canonical == canonical
        assert schemas[alias]["deprecated"] is True, alias
