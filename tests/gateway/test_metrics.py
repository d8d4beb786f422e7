"""/metrics: Prometheus' text format, parsed with prometheus-client's own parser; requests by
action and envelope code, rate-limit refusals, the webhook and mail queues and their counters;
an optional bearer token."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import ok_data
from mail_kit import comment, drain
from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.parser import text_string_to_metric_families
from webhook_kit import add, deliver

from app import create_app
from models.mail import MailOut

ROOT = Path(__file__).resolve().parents[2]


def samples(client, headers=None) -> dict[tuple[str, frozenset], float]:
    response = client.get("/metrics", headers=headers or {})
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for s in family.samples}


def requests(found, action, code, endpoint="api") -> float:
    labels = frozenset({"endpoint": endpoint, "action": action, "code": code}.items())
    return found.get(("taskgate_requests_total", labels), 0)


def test_requests_are_counted_by_action_and_envelope_code(api, client):
    before = samples(client)
    ok_data(api.call("get_users"))
    api.call("get_task", id_task=999)
    api.call("no_such_action")
    after = samples(client)
    assert requests(after, "get_users", "ok") - requests(before, "get_users", "ok") == 1
    assert requests(after, "get_task", "5") - requests(before, "get_task", "5") == 1
    assert requests(after, "unknown", "0") - requests(before, "unknown", "0") == 1
    latency = frozenset({"endpoint": "api", "action": "get_users"}.items())
    assert after[("taskgate_request_duration_seconds_count", latency)] >= 1


def test_the_webhook_queue_is_read_from_the_database(client):
    found = samples(client)
    assert found[("taskgate_webhook_queue_depth", frozenset())] == 0
    assert found[("taskgate_webhook_delivery_failures_total", frozenset())] == 0


def test_rate_limit_refusals_are_counted(app):
    client = create_app({**app.config, "RATE_LIMIT_FAILED_AUTH": "1/minute"}).test_client()
    label = ("taskgate_rate_limit_refusals_total", frozenset({"limit": "failed_auth"}.items()))
    before = samples(client).get(label, 0)
    for _ in range(3):
        client.get("/api/admin/v2/?action=get_users&hash=bad")
    assert samples(client)[label] - before == 2


def test_a_metrics_token_is_required_when_set(app, client):
    app.config["METRICS_TOKEN"] = "scrape-me"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert samples(client, {"Authorization": "Bearer scrape-me"})


def test_metrics_token_guesses_count_in_the_password_guard_per_address(app, client):
    app.config.update(METRICS_TOKEN="scrape-me", LOGIN_MAX_FAILURES=2,
                      LOGIN_MAX_FAILURES_PER_ADDRESS=3)
    guesser = {"REMOTE_ADDR": "198.51.100.7"}
    for _ in range(3):
        assert client.get("/metrics", environ_base=guesser,
                          headers={"Authorization": "Bearer guess"}).status_code == 401
    locked = client.get("/metrics", environ_base=guesser,
                        headers={"Authorization": "Bearer scrape-me"})
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert samples(client, {"Authorization": "Bearer scrape-me"})  # the scraper's address


def test_without_a_database_the_request_metrics_are_still_served(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "s",
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'no-such-dir' / 'x.sqlite'}"})
    found = samples(app.test_client())
    assert ("taskgate_webhook_queue_depth", frozenset()) not in found
    assert any(name == "taskgate_requests_total" for name, _ in found)


def test_the_version_the_process_and_every_outcome_are_exported(client):
    from actions.gateway.landing import version

    client.get("/no/such/page")
    found = samples(client)
    assert found[("taskgate_build_info", frozenset({"version": version()}.items()))] == 1
    assert requests(found, "", "404", endpoint="not_found") >= 1  # not an envelope: HTTP code
    for name in ("cpu_seconds", "resident_memory_bytes", "open_fds", "gc_collections"):
        assert found[(f"taskgate_process_{name}", frozenset())] > 0, name


def test_webhook_and_mail_counters_never_go_down(hooks_app, mail_app, api, client, receiver,
                                                 clock, mail_task, smtp_server):
    """Counted as the senders record them, kept in the database: deleting the rows (a webhook
    removed, a restore of fewer rows) lowers no counter."""
    async def refuse(server, session, envelope, address, rcpt_options):
        if address == "kate@ws.com":
            return "550 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    hook = add(api, receiver, events="post_comment")["id"]
    receiver.default = (500, "")
    smtp_server.inbox.handle_RCPT = refuse
    comment(api, mail_task)
    deliver(hooks_app, clock)
    counted = {"taskgate_webhook_delivery_failures_total": 1, "taskgate_mails_sent_total": 2,
               "taskgate_mails_failed_total": 1}
    found = samples(client)
    assert found[("taskgate_webhook_delivery_failures_total", frozenset())] == 1
    assert found[("taskgate_mails_sent_total", frozenset())] == 0
    drain(mail_app)
    assert counters(samples(client), counted) == {**counted, "taskgate_mail_queue_depth": 0}
    ok_data(api.call("delete_webhook", id=hook))
    with mail_app.app_context():
        MailOut.delete().execute()
    assert counters(samples(client), counted) == {**counted, "taskgate_mail_queue_depth": 0}


def counters(found, counted) -> dict[str, float]:
    names = [*counted, "taskgate_mail_queue_depth"]
    return {name: found[(name, frozenset())] for name in names}


WORKERS = """
import os, sys
from actions.gateway import metrics
metrics.counted("api", "get_users", "ok").inc()  # the parent, then a forked worker
child = os.fork()
if child == 0:
    metrics.counted("api", "get_users", "ok").inc()
    os._exit(0)
os.waitpid(child, 0)
print(os.getpid(), child)
"""


def test_under_gunicorn_each_forked_worker_counts_in_its_own_file(tmp_path):
    folder = tmp_path / "metrics"
    folder.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    done = subprocess.run([sys.executable, "-c", WORKERS], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=True)
    pids = done.stdout.split()
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        f"counter_{pid}.db" for pid in pids)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(folder))
    assert registry.get_sample_value("taskgate_requests_total", {
        "endpoint": "api", "action": "get_users", "code": "ok"}) == 2
