"""Mail coming in: replies become comments by the user the token names, a project's address
makes tasks, and nothing loops (``flask mail-receive`` and ``flask mail-fetch`` on Dovecot)."""

from __future__ import annotations

import time
from email.message import EmailMessage

import pytest
from conftest import ok_data
from mail_kit import PEOPLE, Dovecot, drain

from actions.mail.tokens import reply_token
from models.comments import Comment
from models.files import File
from models.mail import MailIn
from models.tasks import Task

QUOTE = ("Looks good, ship it.\n\n-- \nKate Greenway\nHead of design\n\n"
         "On Mon, 7 Dec 2026 at 09:00, Taskgate <tasks@example.com> wrote:\n"
         "> Frank commented:\n>   Logo approved\n")


def reply_to(smtp_server, address: str) -> str:
    return str(smtp_server.inbox.to(address)[0]["Reply-To"]).strip()


def mail(sender: str, to: str, text: str = QUOTE, subject: str = "Re: [Website] Brand book",
         **headers: str) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Message-ID"] = f"<{time.monotonic_ns()}@client.example>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    return bytes(message)


@pytest.fixture
def notified(mail_app, api, mail_task, smtp_server):
    """Kate was told of Frank's comment: her Reply-To address."""
    ok_data(api.call("post_comment", id_task=mail_task, email_user_from=PEOPLE[0], text="Logo"))
    drain(mail_app)
    return reply_to(smtp_server, "kate@ws.com")


def receive(app, raw: bytes):
    return app.test_cli_runner().invoke(args=["mail-receive"], input=raw)


def comments(app, mail_task):
    with app.app_context():
        return [(c.author.email, c.text) for c in Comment.select().order_by(Comment.id)]


def test_a_reply_becomes_a_comment_with_the_quote_cut(mail_app, mail_task, notified,
                                                      smtp_server):
    smtp_server.inbox.clear()
    result = receive(mail_app, mail("Kate <kate@ws.com>", notified))
    assert result.exit_code == 0, result.output
    assert comments(mail_app, mail_task)[-1] == ("kate@ws.com", "Looks good, ship it.")
    drain(mail_app)  # the others are told of Kate's comment; Kate is not
    assert smtp_server.inbox.addresses() == ["frank@ws.com", "lee@ws.com", "mia@ws.com"]
    assert receive(mail_app, b"").exit_code == 65


def test_attachments_become_the_comments_files(mail_app, mail_task, notified):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "kate@ws.com", notified, "Re: x"
    message.set_content("Here is the logo.")
    message.add_attachment(b"\x89PNG logo", maintype="image", subtype="png",
                           filename="logo.png")
    assert receive(mail_app, bytes(message)).exit_code == 0
    with mail_app.app_context():
        files = list(File.select().where(File.comment.is_null(False)))
        assert [f.name for f in files] == ["logo.png"]
    mail_app.config["MAX_FILE_SIZE"] = 3
    message.replace_header("Subject", "Re: again")
    assert receive(mail_app, bytes(message)).exit_code == 65  # as an upload would be


def test_forged_auto_reply_and_stranger_create_nothing(mail_app, mail_task, notified):
    before = comments(mail_app, mail_task)
    local, _, domain = notified.partition("@")
    forged = local[:-1] + ("A" if local[-1] != "A" else "B") + "@" + domain
    assert receive(mail_app, mail("kate@ws.com", forged)).exit_code == 67
    swapped = notified.replace("+1.", "+2.", 1)  # another task, the same signature
    assert receive(mail_app, mail("kate@ws.com", swapped)).exit_code == 67
    with mail_app.app_context():
        other = reply_token(mail_task + 1, Task.get().author_id)
    assert receive(mail_app, mail("kate@ws.com", f"tasks+{other}@example.com")).exit_code == 67
    auto = mail("kate@ws.com", notified, Auto_Submitted="auto-replied")
    assert receive(mail_app, auto).exit_code == 0  # taken off the queue, dropped
    vacation = mail("kate@ws.com", notified, X_Autoreply="yes")
    assert receive(mail_app, vacation).exit_code == 0
    bounce = mail("MAILER-DAEMON@ws.com", notified)
    assert receive(mail_app, bounce).exit_code == 0
    listed = mail("kate@ws.com", notified, Precedence="bulk")
    assert receive(mail_app, listed).exit_code == 0
    assert receive(mail_app, mail("stranger@evil.example", notified)).exit_code == 67
    assert receive(mail_app, mail("mia@ws.com", notified)).exit_code == 67  # Kate's token
    own = mail("tasks@example.com", notified)
    assert receive(mail_app, own).exit_code == 0
    assert comments(mail_app, mail_task) == before
    with mail_app.app_context():
        dropped = [m.detail for m in MailIn.select().where(MailIn.outcome == "dropped")]
    assert len(dropped) == 5


def test_expired_token_is_refused(mail_app, mail_task, notified):
    mail_app.config["REPLY_TOKEN_DAYS"] = -1  # every token is older than that
    assert receive(mail_app, mail("kate@ws.com", notified)).exit_code == 67


def test_the_same_mail_twice_is_one_comment(mail_app, mail_task, notified):
    raw = mail("kate@ws.com", notified)
    assert receive(mail_app, raw).exit_code == 0
    assert receive(mail_app, raw).exit_code == 0
    assert [c for c in comments(mail_app, mail_task) if c[0] == "kate@ws.com"] == [
        ("kate@ws.com", "Looks good, ship it.")]


def test_per_sender_rate_limit(mail_app, mail_task, notified):
    mail_app.config["MAIL_IN_LIMIT"] = 2
    codes = [receive(mail_app, mail("kate@ws.com", notified, text=f"n{n}")).exit_code
             for n in range(3)]
    assert codes == [0, 0, 75]


def test_a_mail_to_the_project_address_makes_a_task(mail_app, api, mail_project):
    assert ok_data(api.call("update_project", id_project=mail_project, mail_alias="Support"))
    refused = api.call("update_project", id_project=mail_project, mail_alias="a b")
    assert refused["status"] == "error"
    raw = mail("mia@ws.com", "support@example.com", text="The site is down.",
               subject="Site down")
    assert receive(mail_app, raw).exit_code == 0
    ok_data(api.call("add_contact", email="client@corp.example", name="Carl Client"))
    raw = mail("client@corp.example", f"support+{mail_project}@example.com", text="Please call.",
               subject="Call me")
    assert receive(mail_app, raw).exit_code == 0
    raw = mail("nobody@corp.example", "support@example.com", subject="Spam")
    assert receive(mail_app, raw).exit_code == 67
    elsewhere = ok_data(api.call("post_project", title="Payroll"))["id"]
    raw = mail("client@corp.example", f"support+{elsewhere}@example.com", subject="Elsewhere")
    assert receive(mail_app, raw).exit_code == 67  # an id names the alias's own project only
    with mail_app.app_context():
        made = {t.name: (t.author.email, t.text) for t in Task.select()}
    assert made["Site down"] == ("mia@ws.com", "The site is down.")
    assert made["Call me"][1].startswith("From Carl Client <client@corp.example>")
    assert "Spam" not in made and "Elsewhere" not in made


@pytest.fixture
def dovecot():
    try:
        server = Dovecot()
    except (FileNotFoundError, RuntimeError) as err:
        pytest.skip(f"no Dovecot IMAP server here: {err}")
    yield server
    server.close()


def test_a_reply_fetched_over_imap_becomes_a_comment(mail_app, mail_task, notified, dovecot):
    from imapclient import IMAPClient
    with IMAPClient("127.0.0.1", port=dovecot.port, ssl=False) as imap:
        imap.login(dovecot.user, dovecot.password)
        imap.append("INBOX", mail("kate@ws.com", notified))
        imap.append("INBOX", mail("stranger@evil.example", notified))
    mail_app.config["IMAP_URL"] = dovecot.url
    result = mail_app.test_cli_runner().invoke(args=["mail-fetch"])
    assert result.exit_code == 0, result.output
    assert comments(mail_app, mail_task)[-1] == ("kate@ws.com", "Looks good, ship it.")
    again = mail_app.test_cli_runner().invoke(args=["mail-fetch"])  # a restart: nothing twice
    assert again.exit_code == 0 and "no mail" in again.output
    with IMAPClient("127.0.0.1", port=dovecot.port, ssl=False) as imap:
        imap.login(dovecot.user, dovecot.password)
        assert imap.select_folder("Taskgate")[b"EXISTS"] == 1
        assert imap.select_folder("Taskgate-refused")[b"EXISTS"] == 1
    assert len([c for c in comments(mail_app, mail_task) if c[0] == "kate@ws.com"]) == 1


def test_malformed_mail_is_65(mail_app):
    assert receive(mail_app, b"no headers at all, no sender\n").exit_code == 65
    assert receive(mail_app, b"From: nobody\nSubject: x\n\nbody\n").exit_code == 65


def test_an_html_only_reply_is_made_plain(mail_app, mail_task, notified):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "kate@ws.com", notified, "Re: x"
    message.set_content("<p>Fine by me &amp; the team</p><blockquote>old</blockquote>",
                        subtype="html")
    assert receive(mail_app, bytes(message)).exit_code == 0
    assert comments(mail_app, mail_task)[-1][1] == "Fine by me & the team"
