"""Prometheus metrics at ``/metrics``: requests by action and envelope code, latency, rate-limit
refusals, and, read from the database at each scrape, the webhook queue and its failures.

Under gunicorn each worker writes its counters to ``PROMETHEUS_MULTIPROC_DIR`` (set up by
``gunicorn.conf.py``) and a scrape adds them up, whichever worker answers. With
``METRICS_TOKEN`` set, a scrape needs ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hmac
import os
import time

from flask import Flask, Response, current_app, g, request
from peewee import PeeweeException, fn
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from actions.gateway.logs import outcome
from actions.registry import ACTIONS
from models.webhooks import PENDING, WebhookAttempt, WebhookDelivery

REQUESTS = Counter("taskgate_requests", "Requests by endpoint, action and envelope code",
                   ["endpoint", "action", "code"])
LATENCY = Histogram("taskgate_request_duration_seconds", "Time to answer a request",
                    ["endpoint", "action"],
                    buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30))
RATE_LIMITED = Counter("taskgate_rate_limit_refusals", "Requests refused by a rate limit",
                       ["limit"])


class WebhookCollector:
    """The delivery queue as the database holds it: right whichever process sends."""

    def collect(self):
        try:
            pending, failed, attempts = self.counts()
        except PeeweeException as err:  # the request metrics are still worth a scrape
            current_app.logger.warning("metrics: the database cannot be read: %s", err)
            return
        yield GaugeMetricFamily("taskgate_webhook_queue_depth",
                                "Webhook deliveries waiting to be sent", value=pending)
        yield CounterMetricFamily("taskgate_webhook_delivery_failures",
                                  "Failed webhook delivery attempts", value=failed)
        yield CounterMetricFamily("taskgate_webhook_delivery_attempts",
                                  "Webhook delivery attempts", value=attempts)

    @staticmethod
    def counts() -> tuple[int, int, int]:
        """Deliveries pending, attempts failed, attempts made."""
        pending = WebhookDelivery.select().where(WebhookDelivery.status == PENDING).count()
        failed = WebhookAttempt.select().where(
            WebhookAttempt.response_code.is_null()
            | ~WebhookAttempt.response_code.between(200, 299)).count()
        return pending, failed, WebhookAttempt.select(fn.COUNT(WebhookAttempt.id)).scalar()


def record(response: Response) -> Response:
    """Count the request (after the view and the error handlers)."""
    if "started" not in g or request.endpoint == "metrics":
        return response
    done = outcome(response)
    endpoint = request.endpoint or "not_found"
    action = done.action if done.action in ACTIONS else ("unknown" if done.action else "")
    code = str(done.status_code) if done.status == "error" else (done.status or "")
    REQUESTS.labels(endpoint, action, code).inc()
    LATENCY.labels(endpoint, action).observe(time.perf_counter() - g.started)
    if done.status_code == 429:
        failed_auth = (done.reason or "").startswith("Too many failed")
        RATE_LIMITED.labels("failed_auth" if failed_auth else "caller").inc()
    return response


def scrape() -> Response:
    """The metrics, in Prometheus' text format."""
    token = current_app.config.get("METRICS_TOKEN")
    if token and not hmac.compare_digest(request.headers.get("Authorization", ""),
                                         f"Bearer {token}"):
        return Response("metrics need Authorization: Bearer <METRICS_TOKEN>\n", 401,
                        {"WWW-Authenticate": "Bearer"}, mimetype="text/plain")
    database = CollectorRegistry()
    database.register(WebhookCollector())
    body = generate_latest(process_registry()) + generate_latest(database)
    return Response(body, content_type=CONTENT_TYPE_LATEST)


def process_registry() -> CollectorRegistry:
    """Every worker's counters under gunicorn; this process's otherwise."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def install(app: Flask) -> None:
    app.after_request(record)
    app.add_url_rule("/metrics", "metrics", scrape)
