"""A Python client generated from ``/openapi.json`` by openapi-python-client calls
``get_users``, ``post_task`` and ``get_task`` against a running server. The md5 ``hash`` is a
per-request signature, which no generator computes: the client adds it in an ``httpx.Auth``
hook, as the security scheme's description says."""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import subprocess
import sys
import urllib.request
from urllib.parse import quote_plus

import pytest
from conftest import API_KEY

if importlib.util.find_spec("openapi_python_client") is None:
    pytest.skip("openapi-python-client is not installed (pip install -e '.[test]')",
                allow_module_level=True)
httpx = pytest.importorskip("httpx")


class Md5Signer(httpx.Auth):
    """``hash = md5(<the parameters as a sorted query string> + key)``, the action being the
    path's: one of the query forms the server accepts."""

    def __init__(self, key: str) -> None:
        self.key = key

    def auth_flow(self, request):
        pairs = [("action", request.url.path.rstrip("/").rsplit("/", 1)[1])]
        pairs += request.url.params.multi_items()
        if request.headers.get("Content-Type", "").startswith("application/json"):
            pairs += [(key, str(value)) for key, value in json.loads(request.content).items()
                      if isinstance(value, (str, int, float)) and not isinstance(value, bool)]
        text = "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in sorted(pairs))
        signature = hashlib.md5((text + self.key).encode()).hexdigest()
        request.url = request.url.copy_add_param("hash", signature)
        yield request


@pytest.fixture
def generated(live_server, tmp_path):
    """The client package generated from the live server's description."""
    spec = tmp_path / "openapi.json"
    with urllib.request.urlopen(f"{live_server}/openapi.json") as response:
        spec.write_bytes(response.read())
    package = f"taskgate_client_{os.getpid()}"
    env = {**os.environ, "PATH": f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}"}
    done = subprocess.run([sys.executable, "-m", "openapi_python_client", "generate",
                           "--path", str(spec), "--meta", "none",
                           "--output-path", str(tmp_path / package)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Unable to" not in done.stdout + done.stderr, done.stdout + done.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield lambda module: importlib.import_module(f"{package}.{module}")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.startswith(package)]:
            del sys.modules[name]


def test_a_generated_client_calls_get_users_post_task_and_get_task(generated, live_server,
                                                                   website):
    client = generated("client").Client(base_url=live_server,
                                        httpx_args={"auth": Md5Signer(API_KEY)})
    users = generated("api.members.get_users").sync(client=client)
    assert users.status == "ok"
    assert users.data[0].email == "henry.gardner@ws.com"

    created = generated("api.tasks.post_task").sync(client=client, id_project=website,
                                                    title="Brand book", priority=5)
    assert created.status == "ok", created
    task_id = int(created.data.id)

    body = generated("models.get_task_in").GetTaskIn(id_task=task_id, extra="text")
    task = generated("api.tasks.get_task_post").sync(client=client, body=body)
    assert task.status == "ok", task
    assert (task.data.name, task.data.priority) == ("Brand book", "5")

    unsigned = generated("client").Client(base_url=live_server)
    refused = generated("api.members.get_users").sync(client=unsigned)
    assert (refused.status, refused.status_code) == ("error", 2)
