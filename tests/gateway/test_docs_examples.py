"""The example requests and answers of ``/docs`` are real calls: this test makes them (the
steps of ``docs_scenario``) and checks that ``actions/gateway/static/examples.json`` holds what
they answer today. After a change of an answer, rewrite the file with

    DOCS_EXAMPLES=write ./run-tests tests/gateway/test_docs_examples.py
"""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path
from typing import Any

from conftest import API_KEY, md5_hash, php_query
from docs_scenario import STEPS

from actions.gateway.examples import EXAMPLES_FILE, ID_FIELDS, MISSING_ID
from actions.registry import ACTIONS
from models.members import User
from models.tokens import SCOPES, Token

OUTPUT = Path(__file__).resolve().parents[1] / "output"
ADMIN, USER = "/api/admin/v2/", "/api/oauth2/"
HOOK_URL = "https://hooks.example.com/taskgate"
MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?|\d{2}:\d{2}")
VOLATILE = {"secret", "token", "url", "duration_ms", "date", "date_added", "date_start", "time"}


class Recorder:
    def __init__(self, client, receiver_url: str) -> None:
        self.client, self.saved = client, {"receiver": receiver_url}
        self.tokens: dict[str, str] = {}

    def fill(self, params: dict[str, Any]) -> dict[str, Any]:
        return {key: self.saved[value[1:]] if isinstance(value, str) and value[:1] == "$"
                else value for key, value in params.items()}

    def call(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        params = self.fill(params)
        user, files = params.pop("@user", None), params.pop("@files", None)
        if user:
            return self.as_user(action, user, params)
        query = php_query({"action": action, **params})
        url = f"{ADMIN}?{query}&hash={md5_hash(query, API_KEY)}"
        if files:
            sent = {name: (io.BytesIO(data), filename) for name, (filename, data) in files.items()}
            response = self.client.post(url, data=sent, content_type="multipart/form-data")
            shown = {name: f"@{filename}" for name, (filename, _) in files.items()}
            return example(ADMIN, "POST", {"action": action, **params, **shown}, response)
        return example(ADMIN, "GET", {"action": action, **params}, self.client.get(url))

    def as_user(self, action: str, email: str, params: dict[str, Any]) -> dict[str, Any]:
        if email not in self.tokens:
            user = User.get(User.email == email)
            self.tokens[email] = Token.issue("access", user, list(SCOPES))[1]
        response = self.client.post(USER, json={"action": action, **params}, headers={
            "Authorization": f"Bearer {self.tokens[email]}"})
        return {**example(USER, "POST", {"action": action, **params}, response),
                "auth": "bearer"}


def example(path: str, method: str, params: dict[str, Any], response) -> dict[str, Any]:
    if response.mimetype == "application/json":
        answer = response.get_json()
    else:
        answer = {"content_type": response.mimetype,
                  "content_disposition": response.headers.get("Content-Disposition"),
                  "body": response.get_data(as_text=True)}
        response.close()
    return {"request": {"method": method, "path": path, "params": params}, "answer": answer}


def saved_id(answer: dict[str, Any]) -> Any:
    data = answer.get("data")
    item = data[0] if isinstance(data, list) and data else data
    found = item.get("id") if isinstance(item, dict) else None
    return found or answer.get("id")


def error_examples(recorder: Recorder, action: str, success: dict[str, Any]) -> list:
    """The answers to no parameters, and to an id that does not exist (real calls too)."""
    fields = ACTIONS[action].schema.fields.values()
    required = [field.data_key or field.name for field in fields if field.required]
    params = {k: v for k, v in success["request"]["params"].items() if k != "action"}
    tries = [{}] if required else []
    missing_id = next((name for name in required if name in ID_FIELDS), None)
    if missing_id:
        tries.append({**params, missing_id: MISSING_ID})
    return [recorder.call(action, {**tried, **({"@user": "frank.harper@ws.com"}
                                               if success.get("auth") else {})})
            for tried in tries]


def record(client, receiver_url: str) -> dict[str, Any]:
    recorder, examples = Recorder(client, receiver_url), {}
    for action, params, save in STEPS:
        made = recorder.call(action, params)
        assert made["answer"].get("status") != "error", (action, made)
        if save:
            recorder.saved[save] = saved_id(made["answer"])
        examples.setdefault(action, made)
    for action, made in examples.items():
        made["errors"] = error_examples(recorder, action, made)
    text = json.dumps(examples, indent=1, ensure_ascii=False) + "\n"
    return json.loads(text.replace(receiver_url, HOOK_URL))


def masked(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: masked(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v) for v in value]
    if key in VOLATILE:
        return "(varies)"
    return MOMENT.sub("(moment)", value) if isinstance(value, str) else value


def test_every_action_has_a_real_example_and_the_file_is_current(hooks_app, client, receiver):
    examples = record(client, receiver.url)
    assert set(examples) == set(ACTIONS), set(ACTIONS) ^ set(examples)
    if os.environ.get("DOCS_EXAMPLES") == "write":
        EXAMPLES_FILE.write_text(json.dumps(examples, indent=1, ensure_ascii=False) + "\n")
    kept = json.loads(EXAMPLES_FILE.read_text())
    if masked(kept) != masked(examples):
        OUTPUT.mkdir(exist_ok=True)  # for a diff against the kept file
        (OUTPUT / "docs_examples.json").write_text(json.dumps(examples, indent=1) + "\n")
    assert masked(kept) == masked(examples), (
        "the examples changed (now: tests/output/docs_examples.json): DOCS_EXAMPLES=write "
        "./run-tests tests/gateway/test_docs_examples.py")
