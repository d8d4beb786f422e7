"""Input and output schemas of webhooks, their deliveries, and the events they carry."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from marshmallow import ValidationError, fields, validate

from models.webhooks import EVENT_NAMES
from schemas.base import Id, IdList, Out, Params, StrId, Text, split_list
from schemas.paging import PagedIn

WEBHOOK_EVENTS = tuple(EVENT_NAMES.values())


class WebhookUrl(Text):
    """An absolute http(s) URL."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=2000, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        url = super()._deserialize(value, attr, data, **kwargs)
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError on a port that is not a number
        except ValueError:
            raise ValidationError("not a URL") from None
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise ValidationError("must be an http or https URL")
        return url


class EventNames(fields.Field):
    """A comma list of webhook event names; an unknown one is an error, not ignored."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[str]:
        names = list(dict.fromkeys(name.lower() for name in split_list(value)))
        unknown = [name for name in names if name not in WEBHOOK_EVENTS]
        if unknown:
            raise ValidationError(f"unknown event {','.join(unknown)}")
        return names


class AddWebhookIn(Params):
    url = WebhookUrl(required=True)
    events = EventNames(required=True)
    projects = IdList()
    http_user = Text(max_length=200)
    http_pass = Text(max_length=200)


class DeleteWebhookIn(Params):
    id = Id(required=True)


class GetWebhookDeliveriesIn(PagedIn):
    """``id`` narrows to one webhook. Without paging, the newest deliveries (as many as the
    ``default_page_limit`` setting, 100); ``limit`` alone is their first page, with the
    ``total``."""

    id = Id()
    limit = fields.Integer(strict=False, validate=validate.Range(1, 1000))


class WebhookOut(Out):
    OPTIONAL = ("projects",)

    id = StrId()
    url = fields.String()
    events = fields.String()
    status = fields.String()
    projects = fields.String()


def moment(value: Any) -> str:
    """``YYYY-MM-DD HH:MM:SS``: retries are seconds apart, finer than Worksection's minutes."""
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


class AttemptOut(Out):
    OPTIONAL = ("error",)

    date = fields.Function(lambda attempt: moment(attempt.date))
    response_code = fields.Integer(allow_none=True)
    error = fields.String()
    duration_ms = fields.Integer()


class DeliveryOut(Out):
    OPTIONAL = ("next_attempt", "date_delivered")

    id = StrId()
    id_webhook = StrId(attribute="webhook_id")
    webhook_id = fields.String(attribute="message_id")  # the header receivers de-duplicate on
    status = fields.String()
    events = fields.Integer(attribute="event_count")
    attempts = fields.Integer()
    response_code = fields.Integer(allow_none=True)
    date_added = fields.Function(lambda d: moment(d.created))
    next_attempt = fields.Function(lambda d: moment(d.next_attempt) if d.status == "pending"
                                   else "")
    date_delivered = fields.Function(lambda d: moment(d.delivered))
    log = fields.Function(lambda d: attempts_out.dump(sorted(d.log, key=lambda a: a.id)))


attempts_out = AttemptOut(many=True)
