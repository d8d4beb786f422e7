"""Test doubles for webhooks: a real HTTP receiver on 127.0.0.1 and a hand-moved clock."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from actions.delivery.passes import run_once
from models.webhooks import Webhook, WebhookDelivery, utcnow

OK_BODY = '{"status": "OK"}'
BACKOFF = [1, 5, 30]


class Receiver:
    """A real HTTP server on 127.0.0.1 that records every POST and answers from a script."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, str], str]] = []
        self.replies: list[tuple[int, str]] = []  # answered in order, then ``default``
        self.default = (200, OK_BODY)
        self.hang = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server hook name
                size = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(size).decode()
                receiver.calls.append(({k.lower(): v for k, v in self.headers.items()}, body))
                time.sleep(receiver.hang)
                code, text = receiver.replies.pop(0) if receiver.replies else receiver.default
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(text.encode())))
                    self.end_headers()
                    self.wfile.write(text.encode())
                except OSError:  # the sender gave up waiting (the "hangs" cases)
                    pass

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    @property
    def deliveries(self) -> list[tuple[dict[str, str], str]]:
        """The calls that were not the probe (whose body is an empty array)."""
        return [(headers, body) for headers, body in self.calls if body != "[]"]

    def events(self) -> list[dict]:
        return [item for _, body in self.deliveries for item in json.loads(body)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Clock:
    """The delivery clock, moved by hand so that backoff takes no real time."""

    def __init__(self) -> None:
        self.now = utcnow() + dt.timedelta(minutes=1)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


def add(api, receiver, **params):
    params = {"url": receiver.url, "events": "post_task,update_task,close_task", **params}
    return api.call("add_webhook", **params)


def deliver(app, clock=None):
    with app.app_context():
        return run_once(clock or utcnow)


def state():
    return [list(model.select().tuples()) for model in (Webhook, WebhookDelivery)]


def own_signature(secret, headers, body):
    """Standard Webhooks v1, computed here without the library."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.{body}".encode()
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False
