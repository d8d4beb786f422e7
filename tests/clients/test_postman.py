"""Worksection's own Postman collection, run unchanged by newman against a live server.

Only its variables are filled in (the account URL, the API key, admin mode), as a user does.
Most of its requests carry blank parameters, so many answers are "Field is required": what
this checks is that every request's md5 signature, computed by the collection's own
pre-request script, is accepted, and that each answer is a well-formed envelope.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import API_KEY

ROOT = Path(__file__).resolve().parents[2]
COLLECTION = next((p for p in (  # beside the checkout, or two up from a worktree
    folder / "shared" / "spec" / "postman" / "ws_client_api_postman_collection.json"
    for folder in ROOT.parents[:2]) if p.exists()), ROOT / "absent.json")
NEWMAN = shutil.which("newman") or next(
    (str(p) for p in [ROOT / ".ci" / "node" / "node_modules" / ".bin" / "newman"] if p.exists()),
    None)
# Actions that need a user token: with the admin key they answer "needs a user access token".
USER_ONLY = {"me", "get_my_timer", "start_my_timer", "stop_my_timer", "delete_my_timer"}

pytestmark = [
    pytest.mark.skipif(NEWMAN is None, reason="newman is not installed "
                       "(npm install --prefix .ci/node newman@6; .ci/run does it)"),
    pytest.mark.skipif(not COLLECTION.exists(), reason=f"{COLLECTION} is not there"),
]


def run_collection(live_server: str, tmp_path: Path) -> list[tuple[str, int, dict]]:
    collection = json.loads(COLLECTION.read_text())
    values = {"account_url": live_server, "api": API_KEY, "admin_token": "1"}
    for variable in collection["variable"]:
        variable["value"] = values.get(variable["key"], variable["value"])
    (tmp_path / "collection.json").write_text(json.dumps(collection))
    subprocess.run([NEWMAN, "run", str(tmp_path / "collection.json"), "--reporters", "json",
                    "--reporter-json-export", str(tmp_path / "report.json")],
                   capture_output=True, timeout=300, check=False)
    report = json.loads((tmp_path / "report.json").read_text())
    return [(run["item"]["name"], run["response"]["code"],
             json.loads(bytes(run["response"]["stream"]["data"])))
            for run in report["run"]["executions"]]


def test_the_collection_runs_unchanged(live_server, tmp_path):
    answers = run_collection(live_server, tmp_path)
    assert len(answers) == 57
    for name, code, body in answers:
        assert code == 200 and body["status"] in ("ok", "error"), (name, code, body)
        if name in USER_ONLY:
            assert body["message"] == "This action needs a user access token", name
        else:
            assert body.get("status_code") not in (0, 2, 500), (name, body)
    succeeded = {name for name, _, body in answers if body["status"] == "ok"}
    assert {"get_users", "get_projects", "get_all_tasks", "get_costs", "get_webhooks"} <= succeeded
