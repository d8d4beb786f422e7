"""The mail commands and the sender thread's hook: ``deliver-mail``, ``deliver-webhooks``
(which sends mail too) and the extra passes of the webhook sender."""

from __future__ import annotations

from mail_kit import PEOPLE, comment

from actions.delivery import run_extra_passes


def test_deliver_mail_sends_what_is_due(mail_app, api, mail_task, smtp_server):
    comment(api, mail_task)
    result = mail_app.test_cli_runner().invoke(args=["deliver-mail"])
    assert result.exit_code == 0, result.output
    assert smtp_server.inbox.addresses() == sorted(PEOPLE[1:])


def test_deliver_mail_without_smtp_says_what_to_set(app):
    result = app.test_cli_runner().invoke(args=["deliver-mail"])
    assert result.exit_code == 1
    assert "TASKGATE_SMTP_URL" in result.output and "Traceback" not in result.output


def test_deliver_webhooks_sends_mail_too(mail_app, api, mail_task, smtp_server):
    comment(api, mail_task)
    result = mail_app.test_cli_runner().invoke(args=["deliver-webhooks"])
    assert result.exit_code == 0, result.output
    assert len(smtp_server.inbox.addresses()) == 3


def test_a_failing_extra_pass_does_not_stop_the_others(app):
    ran = []

    def broken():
        raise RuntimeError("boom")

    app.extensions["taskgate.passes"] = [broken, lambda: ran.append(1) or True]
    assert run_extra_passes(app) is True and ran == [1]


def test_mail_fetch_without_imap_says_what_to_set(app):
    result = app.test_cli_runner().invoke(args=["mail-fetch"])
    assert result.exit_code == 1 and "TASKGATE_IMAP_URL" in result.output


def test_a_comment_wakes_the_sender_thread(mail_app, api, mail_task, smtp_server):
    import time

    from actions import delivery
    mail_app.config.update(WEBHOOK_POLL=30)  # no poll comes: the write must wake it
    delivery.start_sender(mail_app)
    try:
        comment(api, mail_task)
        deadline = time.monotonic() + 5
        while len(smtp_server.inbox.addresses()) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        delivery.stop_sender()
    assert smtp_server.inbox.addresses() == sorted(PEOPLE[1:])
