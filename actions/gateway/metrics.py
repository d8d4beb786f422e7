"""Prometheus metrics at ``/metrics``: requests by action and outcome (the envelope's code,
``ok``, or the HTTP status of any other answer), latency, rate-limit refusals, the process
(CPU, memory, open files, garbage collections: summed over the workers), the version
(``taskgate_build_info``), and, read from the database at each scrape, the webhook queue and
its attempts, the mail outbox and the mails sent and failed. docs/metrics.md lists them.

Under gunicorn each worker writes its counters to ``PROMETHEUS_MULTIPROC_DIR`` (set up by
``gunicorn.conf.py``) and a scrape adds them up, whichever worker answers. With
``METRICS_TOKEN`` set, a scrape needs ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import functools
import gc
import os
import time

from flask import Flask, Response, current_app, g, request
from peewee import PeeweeException, fn
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
    multiprocess,
)
from prometheus_client import values as prometheus_values
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from actions.gateway.guard import Locked, install_secret
from actions.gateway.logs import PID, outcome
from actions.registry import ACTIONS
from models.counters import MAILS_FAILED, MAILS_SENT, WEBHOOK_FAILURES, read
from models.mail import FAILED, SENT, mails
from models.mail import PENDING as MAIL_PENDING
from models.version import version
from models.webhooks import PENDING, WebhookAttempt, WebhookDelivery, failed_attempts

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # A worker's own file is named by its pid, checked at every increment: read once per
    # process (logs.PID, reset in a forked child), not by three system calls a request.
    prometheus_values.ValueClass = prometheus_values.MultiProcessValue(lambda: PID[0])

REQUESTS = Counter("taskgate_requests", "Requests by endpoint, action and envelope code",
                   ["endpoint", "action", "code"])
LATENCY = Histogram("taskgate_request_duration_seconds", "Time to answer a request",
                    ["endpoint", "action"],
                    buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30))
RATE_LIMITED = Counter("taskgate_rate_limit_refusals", "Requests refused by a rate limit",
                       ["limit"])

PROCESS_GAUGES = (("cpu_seconds", "CPU time used by the server processes"),
                  ("resident_memory_bytes", "Resident memory of the processes"),
                  ("open_fds", "Open file descriptors of the processes"),
                  ("gc_collections", "Python garbage collections"),
                  ("workers", "Processes answering requests"))


@functools.cache
def process_gauges() -> dict[str, Gauge]:
    """This process's own numbers, summed over the live workers at a scrape. Made at the
    first request, not at import: a command (init-db, the preflight) writes no metric file."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
    return {name: Gauge(f"taskgate_process_{name}", text, multiprocess_mode="livesum")
            for name, text in PROCESS_GAUGES}


SAMPLE_EVERY = 5.0  # seconds between two readings of /proc by one process
_sampled = 0.0


def sample_process(force: bool = False) -> None:
    """Read this process's CPU, memory and open files (at most every few seconds)."""
    global _sampled
    if not force and time.monotonic() - _sampled < SAMPLE_EVERY:
        return
    _sampled = time.monotonic()
    gauges = process_gauges()
    found = {sample.name: sample.value
             for family in ProcessCollector(registry=None).collect()
             for sample in family.samples}
    gauges["cpu_seconds"].set(found.get("process_cpu_seconds_total", 0))
    gauges["resident_memory_bytes"].set(found.get("process_resident_memory_bytes", 0))
    gauges["open_fds"].set(found.get("process_open_fds", 0))
    gauges["gc_collections"].set(sum(stat["collections"] for stat in gc.get_stats()))
    gauges["workers"].set(1)


class BuildInfo:
    """``taskgate_build_info{version="..."} 1``: which release answers."""

    def collect(self):
        info = GaugeMetricFamily("taskgate_build_info", "The Taskgate release running",
                                 labels=["version"])
        info.add_metric([version()], 1)
        yield info


class OutboxCollector:
    """The webhook and mail queues as the database holds them: right whichever process sends.
    Every counter here only grows: the attempts are the highest attempt id (ids are never
    handed out twice), the failures and the mails are counters kept in the database
    (models/counters.py), not counts of rows that a deletion or a restore could lower."""

    def collect(self):
        try:
            found = self.counts()
        except PeeweeException as err:  # the request metrics are still worth a scrape
            current_app.logger.warning("metrics: the database cannot be read: %s", err)
            return
        for name, (kind, text, value) in found.items():
            yield kind(name, text, value=value)

    @staticmethod
    def counts() -> dict[str, tuple[type, str, int]]:
        failed = read(WEBHOOK_FAILURES, failed_attempts)
        attempts = WebhookAttempt.select(fn.COALESCE(fn.MAX(WebhookAttempt.id), 0)).scalar()
        return {
            "taskgate_webhook_queue_depth": (
                GaugeMetricFamily, "Webhook deliveries waiting to be sent",
                WebhookDelivery.select().where(WebhookDelivery.status == PENDING).count()),
            "taskgate_webhook_delivery_failures": (
                CounterMetricFamily, "Failed webhook delivery attempts", failed),
            "taskgate_webhook_delivery_attempts": (
                CounterMetricFamily, "Webhook delivery attempts", max(attempts, failed)),
            "taskgate_mail_queue_depth": (
                GaugeMetricFamily, "Mails waiting to be sent", mails(MAIL_PENDING)),
            "taskgate_mails_sent": (
                CounterMetricFamily, "Mails sent", read(MAILS_SENT, lambda: mails(SENT))),
            "taskgate_mails_failed": (
                CounterMetricFamily, "Mails given up as failed",
                read(MAILS_FAILED, lambda: mails(FAILED))),
        }


def record(response: Response) -> Response:
    """Count the request (after the view and the error handlers)."""
    here, asked = g._get_current_object(), request._get_current_object()  # one lookup each
    endpoint = asked.endpoint
    if "started" not in here or endpoint == "metrics":
        return response
    done = outcome(response)
    endpoint = endpoint or "not_found"
    action = done.action if done.action in ACTIONS else ("unknown" if done.action else "")
    code = (str(done.status_code) if done.status == "error"
            else done.status or str(response.status_code))  # a page, a 404, a 405...
    counted(endpoint, action, code).inc()
    timed(endpoint, action).observe(time.perf_counter() - here.started)
    sample_process()
    if done.status_code == 429:
        failed_auth = (done.reason or "").startswith("Too many failed")
        RATE_LIMITED.labels("failed_auth" if failed_auth else "caller").inc()
    return response


# The labelled series, each looked up once per process (``labels`` takes a lock and checks
# its arguments at every call). Endpoints, actions and codes are finite sets.
@functools.cache
def counted(endpoint: str, action: str, code: str):
    return REQUESTS.labels(endpoint, action, code)


@functools.cache
def timed(endpoint: str, action: str):
    return LATENCY.labels(endpoint, action)


def scrape() -> Response:
    """The metrics, in Prometheus' text format."""
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        refused = token_refusal(token)
        if refused is not None:
            return refused
    sample_process(force=True)
    database = CollectorRegistry()
    database.register(BuildInfo())
    database.register(OutboxCollector())
    body = generate_latest(process_registry()) + generate_latest(database)
    return Response(body, content_type=CONTENT_TYPE_LATEST)


def token_refusal(token: str) -> Response | None:
    """The answer to a scrape without the right token (its failures count in the guard)."""
    try:
        if install_secret(request.headers.get("Authorization", ""), f"Bearer {token}"):
            return None
    except Locked as err:
        return Response("too many failed attempts: try again later\n", 429,
                        {"Retry-After": str(err.retry_after)}, mimetype="text/plain")
    return Response("metrics need Authorization: Bearer <METRICS_TOKEN>\n", 401,
                    {"WWW-Authenticate": "Bearer"}, mimetype="text/plain")


def process_registry() -> CollectorRegistry:
    """Every worker's counters under gunicorn; this process's otherwise."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def install(app: Flask) -> None:
    """``/metrics``; :func:`record` is called by the gateway's one after-request hook."""
    app.add_url_rule("/metrics", "metrics", scrape)
