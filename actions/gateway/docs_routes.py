"""``/docs/<resource>``: the page of one resource (``/docs`` itself is served with
``/openapi.json``, whose document both pages read)."""

from __future__ import annotations

from actions.gateway import docs
from actions.gateway.openapi import describe


def resource_page(resource: str) -> str:
    """Every action of a resource: parameters, examples, answers, errors and "try it"."""
    return docs.render_resource(describe(), resource)
