"""Input and output schemas of notices (Trudesk's account-wide banners)."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError, fields, pre_load

from schemas.base import Flag, Id, LongText, Out, Params, StrId, Text, datetime_out
from schemas.paging import PagedIn

HEX_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
TRUDESK_NAMES = {"fontColor": "font_color", "alertWindow": "alert_window"}


class HexColor(fields.Field):
    """``#rgb`` or ``#rrggbb``, stored lower-case."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = str(value).strip()
        if not HEX_COLOR.fullmatch(text):
            raise ValidationError("must be a hex color such as #e74c3c")
        return text.lower()


class NoticeFieldsIn(Params):
    """Trudesk's camelCase names (``fontColor``, ``alertWindow``) are accepted too."""

    name = Text()
    message = LongText()
    color = HexColor()
    font_color = HexColor()
    alert_window = Flag()

    @pre_load
    def trudesk_names(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            for camel, snake in TRUDESK_NAMES.items():
                if camel in data:
                    data.setdefault(snake, data.pop(camel))
        return data


class PostNoticeIn(NoticeFieldsIn):
    name = Text(required=True)
    message = LongText(required=True)


class UpdateNoticeIn(NoticeFieldsIn):
    id = Id(required=True)


class NoticeIdIn(Params):
    id = Id(required=True)


class GetNoticesIn(PagedIn):
    active = Flag(load_default=False)


class NoticeOut(Out):
    OPTIONAL = ("date_active",)

    id = StrId()
    name = fields.String()
    message = fields.String()
    color = fields.String()
    font_color = fields.String()
    alert_window = fields.Function(lambda notice: int(notice.alert_window))
    active = fields.Function(lambda notice: int(notice.active))
    date_added = fields.Function(lambda notice: datetime_out(notice.date_added))
    date_active = fields.Function(lambda notice: datetime_out(notice.date_active))
