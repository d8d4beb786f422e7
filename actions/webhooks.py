"""Webhooks: get_webhooks, add_webhook, delete_webhook, and the delivery log."""

from __future__ import annotations

from collections import defaultdict

from flask import current_app

from actions.delivery.outbound import Refused, probe, resolve
from actions.delivery.signing import new_secret
from actions.registry import action
from models.base import get_or_fail
from models.keys import seal
from models.projects import Project
from models.webhooks import Webhook, WebhookAttempt, WebhookDelivery, last_event_id
from schemas.envelope import ApiError, ProjectInvalid, Reply
from schemas.paging import PagedIn, listing
from schemas.webhooks import (
    AddWebhookIn,
    DeleteWebhookIn,
    DeliveryOut,
    GetWebhookDeliveriesIn,
    WebhookOut,
)

webhooks_out = WebhookOut(many=True)
deliveries_out = DeliveryOut(many=True)


class WebhookNotFound(ApiError):
    status_code, message = 10, "WebHook not found"


class UrlNotResponding(ApiError):
    status_code, message = 11, "Url should respond 200 HTTP_CODE and JSON {status:OK}"


class UrlNotAllowed(ApiError):
    status_code, message = 11, "Url should be public: loopback and private addresses are refused"


class UrlNotResolving(ApiError):
    status_code, message = 11, "Url's host name does not resolve"


@action(PagedIn)
def get_webhooks(params):
    """Get the account's webhooks."""
    return listing(Webhook.select(), params, (Webhook.id,), webhooks_out.dump)


# locks_late begins no transaction until the first write, so the probe (up to 5 s) does not
# hold SQLite's write lock; the insert is then the first statement, which takes it.
@action(AddWebhookIn, writes=True, locks_late=True)
def add_webhook(params):
    """Create a webhook for a URL that answers the probe; its signing secret is shown once."""
    config, url = current_app.config, params["url"]
    address = resolve(url, config["WEBHOOK_ALLOW_PRIVATE"])
    if isinstance(address, Refused):
        raise (UrlNotResolving if "resolve" in address.reason else UrlNotAllowed)(details=url)
    secret = new_secret()
    user, password = params.get("http_user", ""), params.get("http_pass", "")
    if not probe(url, secret, user, password, config["WEBHOOK_TIMEOUT"], address):
        raise UrlNotResponding(details=url)
    webhook = create_webhook(params, secret, config["SECRET_KEY"])
    return Reply(id=webhook.id, secret=secret)


@action(DeleteWebhookIn, writes=True)
def delete_webhook(params):
    """Delete a webhook with its delivery log."""
    if not Webhook.delete().where(Webhook.id == params["id"]).execute():
        raise WebhookNotFound()


@action(GetWebhookDeliveriesIn)
def get_webhook_deliveries(params):
    """Get the webhook deliveries, newest first, with every attempt (a Taskgate extension)."""
    query = WebhookDelivery.select()
    if "id" in params:
        get_or_fail(Webhook, params["id"], WebhookNotFound)
        query = query.where(WebhookDelivery.webhook == params["id"])
    return listing(query, params, (WebhookDelivery.id.desc(),), with_attempts, first_page=True)


def with_attempts(deliveries: list[WebhookDelivery]) -> list[dict]:
    """Deliveries with every attempt of each (one query)."""
    log = defaultdict(list)
    for attempt in WebhookAttempt.select().where(
            WebhookAttempt.delivery.in_([delivery.id for delivery in deliveries])):
        log[attempt.delivery_id].append(attempt)
    for delivery in deliveries:
        delivery.log = log[delivery.id]
    return deliveries_out.dump(deliveries)


def create_webhook(params, secret: str, master: str) -> Webhook:
    """Insert the webhook (secrets sealed), starting after the last event; check its projects."""
    password = params.get("http_pass", "")
    webhook = Webhook.create(
        url=params["url"], events=",".join(params["events"]),
        projects=",".join(str(p) for p in dict.fromkeys(params.get("projects", []))),
        http_user=params.get("http_user", ""), sealed_secret=seal(secret, master),
        sealed_pass=seal(password, master) if password else "")
    webhook.cursor = last_event_id()
    webhook.save()
    missing = webhook.project_ids - {p.id for p in Project.select(Project.id)
                                     .where(Project.id.in_(webhook.project_ids))}
    if missing:
        raise ProjectInvalid(details=",".join(map(str, sorted(missing))))
    return webhook
