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
CLIENT = "from worksection.client import Client  # pip install worksection-api-client\n\n"


def snippets(name: str, params: dict[str, Any], kind: str) -> list[tuple[str, str]]:
    """(language, code) of an action; ``kind`` is ``query`` (signed GET), ``bearer`` (a user
    token, JSON body) or ``upload`` (multipart files, the query signed)."""
    if kind == "bearer":
        return bearer(name, params)
    if kind == "upload":
        return upload(name, params)
    if name == "download":
        return download(params)
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
