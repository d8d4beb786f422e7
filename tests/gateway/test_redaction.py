"""Credentials in URLs (``hash``, ``signature``, ``access_token``...) never reach the logs: the
real server's request log, Gunicorn's access log and the app's logger all mask them."""

from __future__ import annotations

import json
import logging
import time
import urllib.request

import pytest
from conftest import md5_hash, php_query

from actions.gateway.redaction import REDACT, redact
from app import create_app


@pytest.mark.parametrize(("line", "masked"), [
    ("GET /api/admin/v2/?action=get_users&hash=0a1b2c HTTP/1.1",
     "GET /api/admin/v2/?action=get_users&hash=*** HTTP/1.1"),
    ("/api/admin/v2/?hash=0a1b2c&action=get_users", "/api/admin/v2/?hash=***&action=get_users"),
    ("?action=get_tasks&signature=3.3600.Zx9.mAc-_", "?action=get_tasks&signature=***"),
    ('"GET /api/oauth2?access_token=tok.en_1 HTTP/1.1" 200',
     '"GET /api/oauth2?access_token=*** HTTP/1.1" 200'),
    ("/oauth2/token?client_secret=s3&refresh_token=r1&password=p",
     "/oauth2/token?client_secret=***&refresh_token=***&password=***"),
    ("?HASH=ABC&Access_Token=x", "?HASH=***&Access_Token=***"),
    ("?hash=&action=me", "?hash=***&action=me"),
    ("?id_hash=1&hashtag=2&text=hash%3D3", "?id_hash=1&hashtag=2&text=hash%3D3"),
    ('{"hash": "0a1b", "action":"me"}', '{"hash": "***", "action":"me"}'),
    ("{'password' :'p4ss', 'email': 'a@b.c'}", """{'password' :"***", 'email': 'a@b.c'}"""),
    ('{"Token"\t:\t12345}', '{"Token"\t:\t"***"}'),
    ("POST /hooks/tok3n/ HTTP/1.1", "POST /hooks/***/ HTTP/1.1"),
    ("/mail/unsubscribe/abc.def", "/mail/unsubscribe/***"),
    ("key:admin", "key:admin"),
    ("user:12 at 2026-12-06T03:40:24.087+00:00", "user:12 at 2026-12-06T03:40:24.087+00:00"),
])
def test_redact_masks_the_values_of_credential_parameters_only(line, masked):
    assert redact(line) == masked


def werkzeug_lines(caplog, expected: int) -> list[str]:
    """The request lines the server logged (it logs as it sends the headers)."""
    deadline = time.monotonic() + 5
    while True:
        lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
        if len(lines) >= expected or time.monotonic() > deadline:
            return lines
        time.sleep(0.01)


def test_the_servers_request_log_masks_hashes_signatures_and_tokens(live_server, caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    query = php_query({"action": "get_users"})
    secret_hash = md5_hash(query)
    with urllib.request.urlopen(f"{live_server}/api/admin/v2/?{query}&hash={secret_hash}") as r:
        assert json.load(r)["status"] == "ok"
    with urllib.request.urlopen(f"{live_server}/api/oauth2?action=me&access_token=tok-4242") as r:
        assert json.load(r)["status_code"] == 2
    signature = "1.3600.Zx9Ab.c0ffee"
    with urllib.request.urlopen(f"{live_server}/api/admin/v2/?action=get_users"
                                f"&signature={signature}") as r:
        assert json.load(r)["status_code"] == 2

    lines = werkzeug_lines(caplog, 3)
    text = "\n".join(lines)
    assert len(lines) == 3, text
    assert secret_hash not in text and "tok-4242" not in text and signature not in text
    assert '"GET /api/admin/v2/?action=get_users&hash=*** HTTP/1.1" 200' in lines[0]
    assert '"GET /api/oauth2?action=me&access_token=*** HTTP/1.1" 200' in lines[1]
    assert "&signature=*** HTTP/1.1" in lines[2]


def test_gunicorns_access_log_and_the_app_logger_are_masked(app, caplog):
    caplog.set_level(logging.INFO)
    atoms = {"h": "127.0.0.1", "r": "GET /api/admin/v2/?action=me&hash=0a1b2c HTTP/1.1",
             "s": "200", "q": "action=me&hash=0a1b2c"}
    logging.getLogger("gunicorn.access").info('%(h)s "%(r)s" %(s)s %(q)s', atoms)  # as gunicorn
    app.logger.warning("retrying %s", "/api/oauth2?access_token=tok-4242")
    assert [r.getMessage() for r in caplog.records] == [
        '127.0.0.1 "GET /api/admin/v2/?action=me&hash=*** HTTP/1.1" 200 action=me&hash=***',
        "retrying /api/oauth2?access_token=***",
    ]


def test_records_without_credentials_are_left_as_they_are(app, caplog):
    caplog.set_level(logging.INFO)
    app.logger.info("delivered %s events to %s", 3, "https://hooks.example.com/?id=1")
    (record,) = caplog.records
    assert (record.msg, record.args) == ("delivered %s events to %s",
                                         (3, "https://hooks.example.com/?id=1"))


def test_the_filter_is_installed_once_however_many_apps_are_made(app):
    create_app({**app.config, "TESTING": True})
    for name in ("werkzeug", "gunicorn.access", "gunicorn.error", app.logger.name):
        assert logging.getLogger(name).filters.count(REDACT) == 1


@pytest.mark.parametrize("name", ["h%61sh", "%68%61%73%68", "HASH", "sign%61ture",
                                  "access%5Ftoken"])
def test_a_percent_encoded_secret_name_is_masked_too(name):
    assert redact(f"GET /api/admin/v2/?action=get_users&{name}=abc123 HTTP/1.1") == (
        f"GET /api/admin/v2/?action=get_users&{name}=*** HTTP/1.1")
