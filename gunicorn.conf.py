"""Gunicorn settings for ./serve (``gunicorn -c gunicorn.conf.py``).

Environment: ``HOST`` (127.0.0.1) and ``PORT`` (5000), or ``TASKGATE_BIND`` (e.g.
``0.0.0.0:8000`` or ``unix:/run/taskgate.sock``); ``WEB_CONCURRENCY`` (workers; by default
2 x the CPUs this process may use + 1, at most ``TASKGATE_MAX_WORKERS``, 8);
``TASKGATE_TIMEOUT`` (30 s); ``TASKGATE_GRACEFUL_TIMEOUT`` (30 s; keep a container's stop
timeout above it). ``PROMETHEUS_MULTIPROC_DIR`` is where the workers keep the
counters /metrics adds up: a fresh temporary directory unless set (emptied at start).
"""

import datetime as dt
import json
import logging
import math
import os
import shutil
import tempfile
from pathlib import Path

if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="taskgate-metrics-")
    # Remembered in the environment: a HUP reads this file again, and the folder made by the
    # first reading must still be removed at exit.
    os.environ["TASKGATE_OWN_METRICS_DIR"] = os.environ["PROMETHEUS_MULTIPROC_DIR"]
else:
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

wsgi_app = "app:create_app()"
bind = [os.environ.get("TASKGATE_BIND")
        or f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"]


def cgroup_cpus(root: str = "/sys/fs/cgroup", own: str = "/proc/self/cgroup") -> float | None:
    """The CPU quota of this process's cgroup (v2 ``cpu.max``, else v1 CFS), None if none."""
    try:
        path = next((line.split(":", 2)[2].strip() for line in Path(own).read_text().splitlines()
                     if line.startswith("0::")), "/")
    except OSError:
        path = "/"
    for folder in (Path(root, path.lstrip("/")), Path(root)):
        try:
            quota, period = Path(folder, "cpu.max").read_text().split()[:2]
            return None if quota == "max" else int(quota) / int(period)
        except (OSError, ValueError):
            continue
    try:
        quota = int(Path(root, "cpu", "cpu.cfs_quota_us").read_text())
        period = int(Path(root, "cpu", "cpu.cfs_period_us").read_text())
    except (OSError, ValueError):
        return None
    return quota / period if quota > 0 and period > 0 else None


def usable_cpus() -> float:
    """The CPUs this process may run on (its affinity), lowered by a cgroup quota."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    quota = cgroup_cpus()
    return min(cpus or 1, quota) if quota else (cpus or 1)


def default_workers(cpus: float, cap: int) -> int:
    """2 x CPUs + 1, at most ``cap`` (each worker holds a database connection)."""
    return max(1, min(cap, 2 * math.ceil(cpus) + 1))


workers = int(os.environ.get("WEB_CONCURRENCY")
              or default_workers(usable_cpus(), int(os.environ.get("TASKGATE_MAX_WORKERS") or 8)))
# A worker silent this long restarts; a streamed list that is still writing is not silent
# (post_worker_init).
timeout = int(os.environ.get("TASKGATE_TIMEOUT") or 30)
# seconds a stopping worker has to finish its requests
graceful_timeout = int(os.environ.get("TASKGATE_GRACEFUL_TIMEOUT") or 30)
keepalive = 5
# A GET with a long text= fails at gunicorn's 4094-byte default; above 8 KB, use POST.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
proc_name = "taskgate"
# Gunicorn 25+'s control socket is one path per user (~/.gunicorn): unused here, and two
# servers on one host would contend for it.
control_socket_disable = True
# The access log: the request line with credentials masked (actions/gateway/redaction.py
# filters gunicorn.access), and the request id the app returns.
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms id=%({x-request-id}o)s'
errorlog = "-"


class JsonLines(logging.Formatter):
    """Gunicorn's own lines as JSON, as the app writes its own (actions/gateway/logs.py's
    ``JsonLines``, kept apart: this file runs in the arbiter, which must not import the app,
    or a HUP would fork workers that run the code it imported first)."""

    RESERVED = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

    def format(self, record):
        fields = {"time": dt.datetime.fromtimestamp(record.created).astimezone().isoformat(
                      timespec="milliseconds"),
                  "level": record.levelname, "name": record.name, "pid": record.process,
                  "message": record.getMessage()}
        if record.exc_info:
            fields["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            fields["exc_info"] = record.exc_text
        fields.update((name, value) for name, value in vars(record).items()
                      if name not in self.RESERVED and name[:1] != "_")
        return json.dumps(fields, default=str, ensure_ascii=False, separators=(",", ":"))


logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": JsonLines}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json",
                            "stream": "ext://sys.stderr"}},
    "loggers": {
        **{name: {"level": "INFO", "handlers": ["stderr"], "propagate": False}
           for name in ("gunicorn.error", "gunicorn.access")},
        # The app writes these itself (actions/gateway/logs.py): passed on to the root's
        # handler too, every request's line was written twice.
        **{name: {"propagate": False} for name in ("taskgate.requests", "app")},
    },
    "root": {"level": "INFO", "handlers": ["stderr"]},
}


def on_starting(_server):
    """Counters of an earlier run would be added to this run's."""
    for stale in Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db"):
        stale.unlink()


def worker_abort(worker):
    """Timed out: a stream being written is cut short, and logged so."""
    from actions.gateway import streaming

    streaming.worker_stopped(f"worker timeout ({worker.timeout} s without a write)")


def child_exit(_server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(_server):
    own = os.environ.get("TASKGATE_OWN_METRICS_DIR")
    if own and own == os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        shutil.rmtree(own, ignore_errors=True)


def post_worker_init(worker):
    """Each chunk of a streamed answer tells the arbiter the worker is alive. And a secret
    that cannot decrypt the stored keys stops the server (exit code 3 halts the arbiter) with
    one line, instead of a server answering 500 to every signed call."""
    from actions.gateway import streaming

    streaming.HEARTBEAT = worker.notify
    app = worker.wsgi
    flask_app = getattr(app, "app_context", None) and app
    if flask_app is None:
        return
    from peewee import DatabaseError, InterfaceError

    from models.base import db
    from models.install import secret_problem

    if db.obj is None:  # another Flask app (a benchmark's baseline): no keys to check
        return
    try:
        with flask_app.app_context():
            problem = secret_problem(flask_app.config["SECRET_KEY"])
            db.close()
    except (DatabaseError, InterfaceError) as err:
        # A worker (re)booting while the database is away (restarting, a network moment)
        # serves on, as the running ones do, and /readyz says so; an exception here would
        # halt the whole server (gunicorn stops every worker when one fails to boot).
        worker.log.warning("could not check the secret against the database: %s", err)
        return
    if problem:
        worker.log.critical("stopping: %s", problem)
        raise SystemExit(3)  # gunicorn's WORKER_BOOT_ERROR: the arbiter stops every worker
