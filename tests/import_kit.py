"""Test doubles for importing: a source Taskgate in its own process (its own database, served
over real HTTP), a proxy that counts (and can cut) the requests the importer makes to it, and
a representative account written into the source through its API.

Run as a script, it serves a source: ``python import_kit.py serve DB FILES`` prints the port;
``python import_kit.py token DB EMAIL`` prints a user token for timers.
"""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

KEY = "0123456789abcdef0123456789abcdef"
OWNER = "henry.gardner@ws.com"
FIRST_USER_ID = 101  # as on a real account, where ids are large: never a sentinel (0, 1, 2)
BINARY = bytes(range(256)) * 40 + b"\x00end"


class Quiet(WSGIRequestHandler):
    def log(self, *args: Any) -> None:
        pass


def source_app(db_path: str, files: str):
    from app import create_app
    from models import create_tables
    from models.base import db
    from models.install import ensure_install
    from models.members import Team, User

    url = f"sqlite:///{db_path}"
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "source",
                      "API_KEY": KEY, "OWNER_EMAIL": OWNER, "FILES_DIR": files,
                      "WEBHOOK_ALLOW_PRIVATE": True, "WEBHOOK_WORKER": False})
    with app.app_context():
        create_tables()
        if not User.select().exists():  # ids that start high, as a real account's do
            User.create(id=FIRST_USER_ID, email=OWNER, first_name="Henry",
                        last_name="Gardner", role="owner", team=Team.main())
        ensure_install("source", OWNER, KEY)
        db.close()
    return app


def serve(db_path: str, files: str) -> None:
    server = make_server("127.0.0.1", 0, source_app(db_path, files), threaded=True,
                         request_handler=Quiet)
    print(server.server_port, flush=True)
    server.serve_forever()


def print_token(db_path: str, files: str, email: str) -> None:
    from models.base import db
    from models.members import User
    from models.tokens import SCOPES, Token

    app = source_app(db_path, files)
    with app.app_context():
        print(Token.issue("access", User.by_email(email), list(SCOPES))[1], flush=True)
        db.close()


class Source:
    """A Taskgate in a child process; ``call`` signs with md5(query + key) over HTTP."""

    def __init__(self, tmp: Path) -> None:
        self.db, self.files = str(tmp / "source.sqlite"), str(tmp / "source-files")
        self.process = subprocess.Popen(
            [sys.executable, __file__, "serve", self.db, self.files], stdout=subprocess.PIPE,
            cwd=Path(__file__).resolve().parents[1], text=True)
        self.url = f"http://127.0.0.1:{int(self.process.stdout.readline())}"

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.process.stdout.close()

    def token(self, email: str) -> str:
        out = subprocess.run([sys.executable, __file__, "token", self.db, self.files, email],
                             capture_output=True, text=True, check=True,
                             cwd=Path(__file__).resolve().parents[1])
        return out.stdout.strip()

    def call(self, action: str, files: dict[str, bytes] | None = None, token: str = "",
             **params: Any) -> Any:
        answer = json.loads(self.send(action, files, token, **params))
        assert answer["status"] == "ok", (action, params, answer)
        return answer.get("data", answer)

    def download(self, file_id: Any, token: str = "") -> bytes:
        return self.send("download", None, token, id_file=file_id)

    def send(self, action: str, files: dict[str, bytes] | None, token: str,
             **params: Any) -> bytes:
        query = "&".join(f"{quote_plus(k)}={quote_plus(str(v))}"
                         for k, v in {"action": action, **params}.items())
        if token:
            url, headers = f"{self.url}/api/oauth2?{query}", {"Authorization": f"Bearer {token}"}
        else:
            digest = hashlib.md5((query + KEY).encode()).hexdigest()
            url, headers = f"{self.url}/api/admin/v2/?{query}&hash={digest}", {}
        body = None
        if files:
            body = multipart(files)
            headers["Content-Type"] = "multipart/form-data; boundary=kit-boundary"
        request = urllib.request.Request(url, data=body, headers=headers,
                                         method="POST" if body else "GET")
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read()


def multipart(files: dict[str, bytes]) -> bytes:
    parts = []
    for index, (name, content) in enumerate(files.items()):
        parts.append(b"--kit-boundary\r\nContent-Disposition: form-data; "
                     + f'name="attach[{index}]"; filename="{name}"\r\n'.encode()
                     + b"Content-Type: application/octet-stream\r\n\r\n" + content + b"\r\n")
    return b"".join(parts) + b"--kit-boundary--\r\n"


class LocalServer:
    """A WSGI ``app`` method served on a free loopback port in a thread."""

    def __init__(self) -> None:
        self.calls: list[Any] = []
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True,
                                  request_handler=Quiet)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def app(self, environ: Any, start_response: Any) -> Any:
        raise NotImplementedError

    def close(self) -> None:
        self.server.shutdown()


class Proxy(LocalServer):
    """Forwards to the source and records (time, action) of each request. From the n-th
    request of an action (``fail_at = (action, n)``) on, it answers HTTP 500 to every request
    (a source that went away)."""

    def __init__(self, target: str) -> None:
        self.target, self.fail_at, self.down = target, None, False
        super().__init__()

    @Request.application
    def app(self, request: Request) -> Response:
        action = parse_qs(urlsplit(request.url).query).get("action", ["?"])[0]
        self.calls.append((time.monotonic(), action))
        if self.fail_at and [a for _, a in self.calls].count(self.fail_at[0]) >= self.fail_at[1]:
            self.down = True
        if self.down:
            return Response("down", status=500)
        forwarded = urllib.request.Request(
            self.target + request.full_path, data=request.get_data() or None,
            headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
            method=request.method)
        with urllib.request.urlopen(forwarded, timeout=30) as answer:
            return Response(answer.read(), status=answer.status,
                            headers=[(k, v) for k, v in answer.headers.items()
                                     if k.lower() not in ("transfer-encoding", "connection")])

    def busiest_second(self) -> int:
        times = [t for t, _ in self.calls]
        return max((sum(1 for u in times if t <= u < t + 1) for t in times), default=0)


class FakeSource(LocalServer):
    """A server that answers each action with a canned envelope (``answers``; any other
    action is unknown, code 0), the first ``throttled`` requests with HTTP 429. An answer may
    be a function of the query, and may return a whole ``Response`` (a download, a hostile
    answer)."""

    def __init__(self, answers: dict[str, Any], throttled: int = 0) -> None:
        self.answers, self.throttled = answers, throttled
        super().__init__()

    @Request.application
    def app(self, request: Request) -> Response:
        action = request.args.get("action", "")
        self.calls.append(action)
        if len(self.calls) <= self.throttled:
            return Response("{}", status=429, headers={"Retry-After": "0"})
        answer = self.answers.get(action)
        if callable(answer):
            answer = answer(request.args)
        if isinstance(answer, Response):
            return answer
        body = {"status": "ok", "data": answer} if answer is not None else {
            "status": "error", "status_code": 0, "message": "Action is invalid"}
        return Response(json.dumps(body), content_type="application/json")


class Collector(LocalServer):
    """Another host: records the Authorization header of every request it gets."""

    @Request.application
    def app(self, request: Request) -> Response:
        self.calls.append(request.headers.get("Authorization"))
        return Response('{"status": "ok", "data": []}', content_type="application/json")


class ForwardProxy(LocalServer):
    """An HTTP proxy: takes absolute-form requests and forwards them; records (URL,
    Proxy-Authorization) of each."""

    @Request.application
    def app(self, request: Request) -> Response:
        self.calls.append((request.url, request.headers.get("Proxy-Authorization")))
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with direct.open(request.url, timeout=30) as answer:
            return Response(answer.read(), status=answer.status,
                            content_type=answer.headers.get("Content-Type"))


class DripSource:
    """A source that sends its answer one byte every ``pause`` seconds, headers included."""

    def __init__(self, pause: float) -> None:
        self.pause, self.calls, self.stop = pause, 0, threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        with self.listener:
            while not self.stop.is_set():
                try:
                    conn, _ = self.listener.accept()
                except TimeoutError:
                    continue
                self.calls += 1
                threading.Thread(target=self.drip, args=(conn,), daemon=True).start()

    def drip(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b" " * 100:
                    if self.stop.is_set():
                        return
                    conn.sendall(bytes([byte]))
                    time.sleep(self.pause)
            except OSError:
                pass

    def close(self) -> None:
        self.stop.set()
        self.thread.join()


def fill_account(source: Source, receiver_url: str) -> None:
    """A representative account: teams, users, contacts, projects in folders with members,
    tags of both kinds, custom fields of every type, tasks two levels deep (one hidden, one
    done, relations), comments with attachments, costs, a running timer, files, webhooks."""
    call = source.call
    call("add_user_group", title="Design")
    call("add_user_group", title="Acme", client=1)
    call("add_user", email="kate.greenway@ws.com", first_name="Kate", last_name="Greenway",
         group="Design", title="Designer", department="Web")
    call("add_user", email="frank.harper@ws.com", first_name="Frank", last_name="Harper",
         group="Acme", role="guest")
    call("update_user", email="frank.harper@ws.com", phone="+1 555 0100", rate="42.50")
    call("add_user", email="rita.reader@ws.com", first_name="Rita", role="reader")
    call("update_users_schedule", data=json.dumps({
        "kate.greenway@ws.com": {"04.01.2027": "vacation", "05.01.2027": "sick-leave"},
        OWNER: {"09.01.2027": "workday"}}))
    call("add_contact_group", title="Suppliers")
    call("add_contact", email="sam@paper.example", name="Sam Paper", group="Suppliers",
         phone="+44 20 1234", address="1 Mill Lane")
    call("add_contact", email="lee@ink.example", name="Lee Ink", title="Ink supplier")
    call("add_project_group", title="Clients")
    for scope in ("task", "project"):
        call(f"add_{scope}_tag_groups", title="Stage", type="status", access="public")
        call(f"add_{scope}_tag_groups", title="Kind", type="label", access="private")
        call(f"add_{scope}_tags", group="Stage", title="Open,Review")
        call(f"add_{scope}_tags", group="Kind", title="urgent,backend")
    fields = {}
    for kind in ("string", "text", "number", "date", "select", "checkbox", "user"):
        extra = {"options": "S,M,L"} if kind == "select" else {}
        fields[kind] = call("add_task_custom_field", name=f"Task {kind}", type=kind, **extra)["id"]
    budget = call("add_project_custom_field", name="Budget code", type="string")["id"]
    sponsor = call("add_project_custom_field", name="Sponsor", type="user")["id"]
    website = call("post_project", files={"brief.bin": BINARY}, title="Website",
                   company="Clients", email_manager="kate.greenway@ws.com",
                   members="kate.greenway@ws.com,frank.harper@ws.com", text="The new site",
                   datestart="01.02.2026", dateend="30.06.2026", max_time=120, max_money=5000,
                   tags="Open,urgent", **{"options.allow_close": 1, "options.time_today": 1},
                   custom_fields=json.dumps({budget: "WEB-1", sponsor: "kate.greenway@ws.com"}))
    mobile = call("post_project", title="Mobile app", email_user_to="ANY")
    archived = call("post_project", title="Old site")
    values = {fields["string"]: "blue", fields["text"]: "long\ntext", fields["number"]: "12.5",
              fields["date"]: "24.12.2026", fields["select"]: "M", fields["checkbox"]: "1",
              fields["user"]: "frank.harper@ws.com"}
    home = call("post_task", files={"logo.png": BINARY[:999]}, id_project=website["id"],
                title="Home page", text="Hero and <b>news</b>", priority=5,
                email_user_to="kate.greenway@ws.com", datestart="02.02.2026",
                dateend="20.02.2026", max_time=10, max_money=800, tags="Review,backend",
                subscribe="frank.harper@ws.com", custom_fields=json.dumps(values))
    header = call("post_task", id_project=website["id"], id_parent=home["id"], title="Header",
                  email_user_to="ANY")
    call("post_task", id_project=website["id"], id_parent=header["id"], title="Logo",
         text="SVG please")
    secret = call("post_task", id_project=website["id"], title="Salaries",
                  hidden="kate.greenway@ws.com", relations_from=f"finish-to-start:{home['id']}")
    done = call("post_task", id_project=mobile["id"], title="Splash screen")
    call("complete_task", id_task=done["id"])
    call("post_task", id_project=archived["id"], title="Old page")
    call("close_project", id_project=archived["id"])
    call("post_comment", files={"notes.txt": b"notes\x00\xff"}, id_task=home["id"],
         text="See the notes", email_user_from="kate.greenway@ws.com")
    call("post_comment", id_task=home["id"], text="Only Kate", hidden="kate.greenway@ws.com")
    call("post_comment", id_task=secret["id"], text="Raise")
    call("add_costs", id_task=home["id"], time="1:30", money="75.17", comment="Sketches",
         date="03.02.2026", email_user_from="kate.greenway@ws.com")
    call("add_costs", id_task=header["id"], time="0:45", email_user_from=OWNER)
    call("add_webhook", url=receiver_url, events="post_task,post_comment",
         projects=str(website["id"]))
    call("start_my_timer", token=source.token("kate.greenway@ws.com"), id_task=home["id"])


if __name__ == "__main__":
    sys.path[0] = str(Path(__file__).resolve().parents[1])  # tests/actions is not actions
    if sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3])
    else:
        print_token(sys.argv[2], sys.argv[3], sys.argv[4])


@pytest.fixture
def source(tmp_path):
    """A filled source account behind a proxy that can drop it: (source, proxy)."""
    from webhook_kit import Receiver

    server, receiver = Source(tmp_path), Receiver()
    fill_account(server, receiver.url)
    proxy = Proxy(server.url)
    yield server, proxy
    proxy.close()
    server.close()
    receiver.close()
