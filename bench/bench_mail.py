"""Mail: what a comment on a task with 1,000 subscribers costs the API call, as a ratio to a
comment on a task with none, and how many mails per second the sender sends.

    python bench/bench_mail.py [--rounds 5] [--calls 30] [--subscribers 1000] [--mails 2000]

Both comments go through the real route (Flask test client, signed) with mail on (an SMTP
server, aiosmtpd, on a free loopback port): the API call only leaves a row saying the event is
due, so the two should cost the same (target: a ratio of at most 1.2). Then the outbox's
passes run on their own until ``--mails`` mails are sent to the server: expanded into the
recipients' changes, composed (text and HTML), sent over one SMTP session per pass. Writes
``bench/mail-results.json`` (tracked: the figures of the last run kept with the code).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from aiosmtpd.controller import Controller  # noqa: E402

from bench.common import installed_app, machine, signed  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mail-results.json")


class Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.count += len(envelope.rcpt_tos)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(app, subscribers: int) -> tuple[int, int]:
    """A project with ``subscribers`` members subscribed to one task, and a task with none
    but its author; (crowded task id, quiet task id)."""
    from models.base import db

    with app.app_context():
        with db.atomic():
            crowded, quiet = seed_rows(subscribers)
        db.close()
    return crowded, quiet


def seed_rows(subscribers: int) -> tuple[int, int]:
    from models.members import User
    from models.projects import Project, ProjectMember
    from models.tasks import Task, TaskSubscriber

    owner = User.owner()
    project = Project.create(name="Bench", author=owner)
    User.insert_many([{"email": f"user{n}@bench.example", "first_name": f"User {n}"}
                      for n in range(subscribers)]).execute()
    users = list(User.select(User.id).where(User.email.endswith("@bench.example")))
    ProjectMember.insert_many([(project.id, u.id) for u in [owner, *users]],
                              fields=[ProjectMember.project, ProjectMember.user]).execute()
    crowded = Task.create(project=project, name="Crowded", author=owner)
    quiet = Task.create(project=project, name="Quiet", author=owner)
    TaskSubscriber.insert_many([(crowded.id, u.id) for u in users],
                               fields=[TaskSubscriber.task, TaskSubscriber.user]).execute()
    return crowded.id, quiet.id


def cpu_per_comment(client, task_id: int, calls: int) -> float:
    start = time.process_time()
    for n in range(calls):
        body = client.get(signed({"action": "post_comment", "id_task": str(task_id),
                                  "text": f"Comment {n}"})).get_json()
        assert body["status"] == "ok", body
    return (time.process_time() - start) / calls


def sender_rate(app, sink: Sink, crowded: int, mails: int) -> dict:
    """Keep only the newest comments' events due (``mails`` mails), then send them all."""
    from actions.mail.outbox import mail_pass
    from models.base import db
    from models.events import Event
    from models.mail import MailDue

    with app.app_context():
        keep = max(1, mails // max(1, subscribers_of(crowded)))
        due = (MailDue.select(MailDue.id).join(Event).where(Event.task_id == crowded)
               .order_by(MailDue.id.desc()).limit(keep))
        MailDue.delete().where(MailDue.id.not_in([d.id for d in due])).execute()
        db.close()
        before, start, cpu = sink.count, time.perf_counter(), time.process_time()
        while mail_pass():
            pass
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    sent = sink.count - before
    return {"mails": sent, "seconds": round(wall, 2), "mails_per_second": round(sent / wall, 1),
            "cpu_ms_per_mail": round(cpu / max(sent, 1) * 1000, 3)}


def subscribers_of(task_id: int) -> int:
    from models.tasks import TaskSubscriber
    return TaskSubscriber.select().where(TaskSubscriber.task == task_id).count()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--mails", type=int, default=2000)
    args = parser.parse_args()
    sink, port = Sink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            app = installed_app(f"sqlite:///{tmp}/bench.sqlite",
                                SMTP_URL=f"smtp://127.0.0.1:{port}",
                                MAIL_FROM="Taskgate <tasks@bench.example>")
            crowded, quiet = seed(app, args.subscribers)
            client = app.test_client()
            samples: dict[str, list[float]] = {"none": [], "crowded": []}
            for _ in range(args.rounds):  # interleaved: drift hits both alike
                samples["none"].append(cpu_per_comment(client, quiet, args.calls))
                samples["crowded"].append(cpu_per_comment(client, crowded, args.calls))
            rate = sender_rate(app, sink, crowded, args.mails)
    finally:
        controller.stop()
    none, many = (statistics.median(samples[k]) for k in ("none", "crowded"))
    result = {"machine": machine(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "subscribers": args.subscribers,
              "comment_cpu_us": {"no subscribers": round(none * 1e6),
                                 f"{args.subscribers} subscribers": round(many * 1e6)},
              "ratio": round(many / none, 3), "target_ratio": 1.2, "sender": rate}
    print(json.dumps(result, indent=2))
    with open(OUT, "w") as handle:
        json.dump(result, handle, indent=2)
        handle.write("\n")


if __name__ == "__main__":
    main()
