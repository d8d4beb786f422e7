"""The example of each action in curl, Python (the official client, ``requests``) and PHP,
made from its recorded request and signed as documented: ``hash = md5(query + key)``.

The key and the server's address are placeholders (:data:`KEY`, :data:`BASE`) that the docs
page replaces: the address with the one the page is served from, the key with the one typed
in its signer."""

from __future__ import annotations

import json
from pprint import pformat
from typing import Any

from actions.gateway.examples import query_text

KEY = "YOUR_API_KEY"
TOKEN = "YOUR_ACCESS_TOKEN"
BASE = "https://taskgate.example.com"
ADMIN, USER = "/api/admin/v2/", "/api/oauth2/"
# The official client's own method for an action (worksection-api-client 2.1); every action
# also runs through its generic call_admin_action / call_user_action, which the examples use.
METHODS = {
    "get_users": "members.list()", "add_user": "members.create(email, params)",
    "get_user_groups": "members.groups()", "add_user_group": "members.create_group(title)",
    "get_users_schedule": "members.schedule(params)",
    "update_users_schedule": "members.update_schedule(data)",
    "get_contacts": "contacts.list()", "add_contact": "contacts.create(email, name, params)",
    "get_contact_groups": "contacts.groups()", "add_contact_group": "contacts.create_group(title)",
    "get_projects": "projects.list(params)", "get_project": "projects.get(id_project, params)",
    "post_project": "projects.create(title, params)",
    "update_project": "projects.update(id_project, params)",
    "close_project": "projects.close(id_project)",
    "activate_project": "projects.activate(id_project)",
    "add_project_members": "projects.add_members(id_project, members)",
    "delete_project_members": "projects.remove_members(id_project, members)",
    "get_project_groups": "projects.groups()", "add_project_group": "projects.create_group(title)",
    "get_project_tags": "projects.tags(params)",
    "add_project_tags": "projects.create_tag(group, title)",
    "update_project_tags": "projects.update_tags(id_project, add_ids, remove_ids)",
    "get_project_tag_groups": "projects.tag_groups(params)",
    "add_project_tag_groups": "projects.create_tag_group(title, access)",
    "get_project_custom_fields": "projects.custom_fields()",
    "get_all_tasks": "tasks.list(0, params)", "get_tasks": "tasks.list(id_project, params)",
    "get_task": "tasks.get(id_task, params)",
    "post_task": "tasks.create(id_project, title, params)",
    "update_task": "tasks.update(id_task, params)", "complete_task": "tasks.complete(id_task)",
    "reopen_task": "tasks.reopen(id_task)", "search_tasks": "tasks.search(params)",
    "subscribe": "tasks.subscribe(id_task, email_user)",
    "unsubscribe": "tasks.unsubscribe(id_task, email_user)",
    "get_task_tags": "tasks.tags(params)", "add_task_tags": "tasks.create_tag(group, title)",
    "update_task_tags": "tasks.update_tags(id_task, add_ids, remove_ids)",
    "get_task_tag_groups": "tasks.tag_groups(params)",
    "add_task_tag_groups": "tasks.create_tag_group(title, type, access)",
    "get_task_custom_fields": "tasks.custom_fields()",
    "get_comments": "comments.list(id_task, params)",
    "post_comment": "comments.create(id_task, text, params)",
    "get_costs": "costs.list(params)", "get_costs_total": "costs.total(params)",
    "add_costs": "costs.create(id_task, params)", "update_costs": "costs.update(id_costs, params)",
    "delete_costs": "costs.delete(id_costs)", "get_timers": "timers.all()",
    "stop_timer": "timers.stop(timer)", "me": "user.profile()", "get_my_timer": "user.timer()",
    "start_my_timer": "user.start_timer(id_task)", "stop_my_timer": "user.stop_timer(comment)",
    "delete_my_timer": "user.discard_timer()", "get_events": "events.list(period, id_project)",
    "get_files": "files.list(params)", "upload_files": "files.upload(paths)",
    "download": "files.download(id_file, path)", "get_webhooks": "webhook.list()",
    "add_webhook": "webhook.create(url, events, params)", "delete_webhook": "webhook.delete(id)",
}
CLIENT = "from worksection.client import Client  # pip install worksection-api-client\n\n"


def snippets(name: str, params: dict[str, Any], kind: str) -> list[tuple[str, str]]:
    """(language, code) of an action; ``kind`` is ``query`` (signed GET), ``bearer`` (a user
    token, JSON body) or ``upload`` (multipart files, the query signed)."""
    made = (bearer(name, params) if kind == "bearer" else upload(name, params)
            if kind == "upload" else download(params) if name == "download"
            else signed_get(name, params))
    if name in METHODS:
        made[1] = (made[1][0], f"{made[1][1]}# or the client's own: client.{METHODS[name]}\n")
    return made


def signed_get(name: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    query = query_text({"action": name, **params})
    return [
        ("curl", curl_signed(query)),
        ("Python (worksection)", f"{CLIENT}client = Client({BASE!r}).set_api_key({KEY!r})\n"
                                 f"{python_params(params)}"
                                 f"print(client.call_admin_action({name!r}{args(params)}))\n"),
        ("Python (requests)", requests_signed(query, "answer = requests.get(url, timeout=30)"
                                                     ".json()\nprint(answer)\n")),
        ("PHP", php_signed(query, "$answer = json_decode(file_get_contents($url), true);\n"
                                  "print_r($answer);\n")),
    ]


def curl_signed(query: str, options: str = "") -> str:
    return (f"KEY='{KEY}'\nQUERY='{query}'\n"
            "HASH=$(printf '%s' \"$QUERY$KEY\" | md5sum | cut -d' ' -f1)\n"
            f"curl {options}\"{BASE}{ADMIN}?$QUERY&hash=$HASH\"\n")


def requests_signed(query: str, then: str) -> str:
    return ("import hashlib\n\nimport requests\n\n"
            f"KEY = {KEY!r}\nquery = {query!r}\n"
            "signature = hashlib.md5((query + KEY).encode()).hexdigest()\n"
            f'url = f"{BASE}{ADMIN}?{{query}}&hash={{signature}}"\n{then}')


def php_signed(query: str, then: str) -> str:
    return (f"<?php\n$key = '{KEY}';\n$query = '{query}';\n"
            "$hash = md5($query . $key);\n"
            f'$url = "{BASE}{ADMIN}?$query&hash=$hash";\n{then}')


def bearer(name: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    sent = {"action": name, **params}
    shell_body = json.dumps(sent, ensure_ascii=False).replace("'", "'\\''")
    header = f"Authorization: Bearer {TOKEN}"
    official = f"client = Client({BASE!r}).set_access_token({TOKEN!r})\n"
    return [
        ("curl", f"curl -X POST \"{BASE}{USER}\" \\\n  -H '{header}' \\\n"
                 f"  -H 'Content-Type: application/json' \\\n  -d '{shell_body}'\n"),
        ("Python (worksection)", f"{CLIENT}{official}{python_params(params)}"
                                 f"print(client.call_user_action({name!r}{args(params)}))\n"),
        ("Python (requests)", f"import requests\n\nanswer = requests.post(\n"
                              f"    {BASE + USER!r}, json={sent!r},\n"
                              f"    headers={{'Authorization': 'Bearer {TOKEN}'}}, timeout=30,\n"
                              ").json()\nprint(answer)\n"),
        ("PHP", f"<?php\n$body = json_encode({php_value(sent)});\n"
                "$context = stream_context_create(['http' => ['method' => 'POST', 'header' =>\n"
                f"    \"{header}\\r\\nContent-Type: application/json\", 'content' => $body]]);\n"
                f"$url = '{BASE}{USER}';\n"
                "print_r(json_decode(file_get_contents($url, false, $context), true));\n"),
    ]


def upload(name: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    query = query_text({"action": name})
    return [
        ("curl", curl_signed(query, "-F 'files[]=@brief.txt' ")),
        ("Python (worksection)", f"{CLIENT}client = Client({BASE!r}).set_api_key({KEY!r})\n"
                                 f"print(client.call_admin_upload({name!r}, "
                                 "[{'path': 'brief.txt'}]))\n"),
        ("Python (requests)", requests_signed(
            query, "with open('brief.txt', 'rb') as file:\n"
                   "    answer = requests.post(url, files={'files[]': file}, timeout=30).json()\n"
                   "print(answer)\n")),
        ("PHP", php_signed(query, "$curl = curl_init($url);\n"
                                  "curl_setopt_array($curl, [CURLOPT_POST => true, "
                                  "CURLOPT_RETURNTRANSFER => true,\n"
                                  "    CURLOPT_POSTFIELDS => ['files[0]' => new CURLFile("
                                  "'brief.txt')]]);\n"
                                  "print_r(json_decode(curl_exec($curl), true));\n")),
    ]


def download(params: dict[str, Any]) -> list[tuple[str, str]]:
    query = query_text({"action": "download", **params})
    return [
        ("curl", curl_signed(query, "-o downloaded.file ")),
        ("Python (worksection)", f"{CLIENT}client = Client({BASE!r}).set_api_key({KEY!r})\n"
                                 f"print(client.call_admin_download('download', {params!r}, "
                                 "'downloaded.file'))\n"),
        ("Python (requests)", requests_signed(
            query, "with open('downloaded.file', 'wb') as file:\n"
                   "    file.write(requests.get(url, timeout=30).content)\n")),
        ("PHP", php_signed(query, "file_put_contents('downloaded.file', "
                                  "file_get_contents($url));\n")),
    ]


def python_params(params: dict[str, Any]) -> str:
    return f"params = {pformat(params, width=80, sort_dicts=False)}\n" if params else ""


def args(params: dict[str, Any]) -> str:
    return ", params" if params else ""


def php_value(value: Any) -> str:
    """A PHP literal of a JSON value (an array for an object)."""
    if isinstance(value, dict):
        return "[" + ", ".join(f"{php_value(k)} => {php_value(v)}" for k, v in value.items()) + "]"
    if isinstance(value, list):
        return "[" + ", ".join(php_value(v) for v in value) + "]"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return json.dumps(value)
