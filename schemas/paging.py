"""Paging of the extension lists: ``page`` (from 1) and ``limit`` (default: the
``default_page_limit`` setting)."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, post_load, validate

from models.settings import setting
from schemas.base import Params

MAX_LIMIT = 1000
MAX_PAGE = 1_000_000


class PageNumber(fields.Integer):
    """A page number; a legacy ``page=/project/...`` address is left to ``Params``."""

    def deserialize(self, value: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(value, str) and value.startswith("/"):
            return None
        return super().deserialize(value, *args, **kwargs)


class PagedIn(Params):
    page = PageNumber(strict=False, allow_none=True, validate=validate.Range(
        1, MAX_PAGE, error=f"must be a number from 1 to {MAX_PAGE}"))
    limit = fields.Integer(strict=False, validate=validate.Range(
        1, MAX_LIMIT, error=f"must be a number from 1 to {MAX_LIMIT}"))

    @post_load
    def drop_address(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if data.get("page") is None:
            data.pop("page", None)
        return data


def paged(query, params: dict):
    """One page of ``query``: the first page unless ``page`` is given."""
    return query.paginate(params.get("page", 1), params.get("limit")
                          or setting("default_page_limit"))
