"""Gunicorn settings for ./serve (``gunicorn -c gunicorn.conf.py``).

Environment: ``HOST`` (127.0.0.1) and ``PORT`` (5000), or ``TASKGATE_BIND`` (e.g.
``0.0.0.0:8000`` or ``unix:/run/taskgate.sock``); ``WEB_CONCURRENCY`` (workers: 2 x CPUs + 1);
``TASKGATE_TIMEOUT`` (30 s). ``PROMETHEUS_MULTIPROC_DIR`` is where the workers keep the
counters /metrics adds up: a fresh temporary directory unless set (emptied at start).
"""

import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path

if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="taskgate-metrics-")
    OWN_METRICS_DIR = os.environ["PROMETHEUS_MULTIPROC_DIR"]
else:
    OWN_METRICS_DIR = None
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

wsgi_app = "app:create_app()"
bind = [os.environ.get("TASKGATE_BIND")
        or f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"]
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
# A worker silent this long restarts; a streamed list that is still writing is not silent
# (post_worker_init).
timeout = int(os.environ.get("TASKGATE_TIMEOUT") or 30)
graceful_timeout = 30  # seconds a stopping worker has to finish its requests
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


def on_starting(_server):
    """Counters of an earlier run would be added to this run's."""
    for stale in Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db"):
        stale.unlink()


def post_worker_init(worker):
    """Each chunk of a streamed answer tells the arbiter the worker is alive."""
    from actions.gateway import streaming

    streaming.HEARTBEAT = worker.notify


def worker_abort(worker):
    """Timed out: a stream being written is cut short, and logged so."""
    from actions.gateway import streaming

    streaming.worker_stopped(f"worker timeout ({worker.timeout} s without a write)")


def child_exit(_server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(_server):
    if OWN_METRICS_DIR:
        shutil.rmtree(OWN_METRICS_DIR, ignore_errors=True)
