"""Real mail servers for the mail tests: aiosmtpd on a free port (what the outbox sends) and
Dovecot's IMAP server started from a throwaway configuration (skipped, with the reason, where
Dovecot is not installed)."""

from __future__ import annotations

import email
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from conftest import ok_data

from actions.mail.outbox import mail_pass
from models.mail import MailDue
from models.members import Team, User


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """The aiosmtpd handler: every message received, by recipient."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.mails: list[tuple[str, EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        mail = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.mails.extend((rcpt.lower(), mail) for rcpt in envelope.rcpt_tos)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [mail for rcpt, mail in self.mails if rcpt == address]

    def addresses(self) -> list[str]:
        with self.lock:
            return sorted(rcpt for rcpt, _ in self.mails)

    def clear(self) -> None:
        with self.lock:
            self.mails.clear()


class SmtpServer:
    """aiosmtpd on a free loopback port; ``stop()`` and ``start()`` take it down and up."""

    def __init__(self) -> None:
        self.inbox, self.port = Inbox(), free_port()
        self.controller: Controller | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


DOVECOT_CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = 0
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


class Dovecot:
    """A Dovecot IMAP server of its own (config, mail and sockets in ``root``)."""

    def __init__(self, user: str = "tasks", password: str = "secret") -> None:
        binary = shutil.which("dovecot") or ("/usr/sbin/dovecot"
                                             if os.path.exists("/usr/sbin/dovecot") else None)
        if binary is None:
            raise FileNotFoundError("dovecot is not installed (apt-get install dovecot-imapd)")
        # Not under pytest's tmp_path: Dovecot's own users must reach the files (0700 there).
        root = Path(tempfile.mkdtemp(prefix="taskgate-dovecot-"))
        self.root, self.user, self.password, self.port = root, user, password, free_port()
        for sub in ("run", "state", "mail", "home"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        (root / "passwd").write_text(f"{user}:{{PLAIN}}{password}\n")
        me = pwd.getpwuid(os.getuid())
        as_root = os.getuid() == 0 and user_exists("dovecot") and user_exists("dovenull")
        login, internal = ("dovenull", "dovecot") if as_root else (me.pw_name, me.pw_name)
        owner = pwd.getpwnam("dovecot") if as_root else me  # Dovecot keeps no mail as root
        for sub in ("mail", "home"):
            os.chown(root / sub, owner.pw_uid, owner.pw_gid)
        (root / "dovecot.conf").write_text(DOVECOT_CONF.format(
            root=root, port=self.port, uid=owner.pw_uid, gid=owner.pw_gid, login_user=login,
            internal_user=internal, internal_group=internal))
        os.chmod(root, 0o755)
        self.process = subprocess.Popen([binary, "-F", "-c", str(root / "dovecot.conf")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            self.wait_ready()
        except RuntimeError:
            self.close()
            raise

    @property
    def url(self) -> str:
        return f"imap://{self.user}:{self.password}@127.0.0.1:{self.port}/INBOX"

    def wait_ready(self, seconds: float = 10) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("dovecot stopped: " + self.process.stderr.read().decode()
                                   + self.log())
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("dovecot did not listen: " + self.log())

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text() if path.exists() else ""

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()
        shutil.rmtree(self.root, ignore_errors=True)


def user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


FROM = "Taskgate <tasks@example.com>"


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    yield server
    server.stop()


@pytest.fixture
def mail_app(app, smtp_server):
    """The app sending to the test SMTP server."""
    app.config.update(SMTP_URL=smtp_server.url, MAIL_FROM=FROM, MAIL_BACKOFF=[60],
                      PUBLIC_URL="https://tasks.example.com", MAIL_TIMEOUT=5)
    return app


def drain(app, clock=None) -> None:
    """Passes of the outbox until it has nothing left to do now."""
    with app.app_context():
        for _ in range(10):
            if not (mail_pass(clock) if clock else mail_pass()):
                break


PEOPLE = ("frank@ws.com", "kate@ws.com", "mia@ws.com", "lee@ws.com")


@pytest.fixture
def mail_project(mail_app, api):
    """Four users, members of the project "Website"; its id."""
    with mail_app.app_context():
        main = Team.main()
        User.insert_many([{"email": email, "first_name": email.split("@")[0].title(),
                           "team": main.id} for email in PEOPLE]).execute()
    body = api.call("post_project", title="Website", members=",".join(PEOPLE))
    return int(ok_data(body)["id"])


@pytest.fixture
def mail_task(mail_project, api, mail_app, smtp_server):
    """A task by Frank with Kate, Mia and Lee subscribed (nobody told of its creation)."""
    body = api.call("post_task", id_project=mail_project, title="Brand book",
                    email_user_from=PEOPLE[0], subscribe=",".join(PEOPLE[1:]))
    with mail_app.app_context():
        MailDue.delete().execute()
    return int(ok_data(body)["id"])


def comment(api, task_id, author=PEOPLE[0], **params):
    """A comment by Frank (HTML-like text, to see it escaped)."""
    params = {"text": "Logo <b>approved</b> & shipped", **params}
    return ok_data(api.call("post_comment", id_task=task_id, email_user_from=author, **params))
