"""The OpenAPI type of each Worksection field type, written for readers of the docs."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from schemas.base import (
    Amount,
    Choice,
    Email,
    EmailList,
    Flag,
    IdList,
    Lines,
    StringList,
    Text,
    Words,
    WsDate,
)
from schemas.costs import Duration
from schemas.custom_fields import CustomValues, Options
from schemas.events import Period
from schemas.files import FileRefs, Uploads
from schemas.filters import Filter
from schemas.paging import Cursor
from schemas.schedule import ScheduleData
from schemas.tags import Titles
from schemas.tasks import Executive, Relations
from schemas.webhooks import EventNames

DATE_PATTERN = r"^(\d{2}\.\d{2}\.\d{4}|\d{4}-\d{2}-\d{2})$"
COMMA_LIST = "A comma-separated list (a JSON array or name[]= brackets work too)"

FIELD_TYPES: dict[type[fields.Field], dict[str, Any]] = {
    Flag: {"type": ["integer", "boolean"], "minimum": 0, "maximum": 1,
           "description": "1 (yes) or 0 (no); true and false are accepted too."},
    Email: {"type": "string", "format": "email", "maxLength": 254},
    EmailList: {"type": "string", "format": "email-list",
                "description": f"Email addresses. {COMMA_LIST}."},
    StringList: {"type": "string", "description": f"Several values. {COMMA_LIST}."},
    Titles: {"type": "string", "description": f"Names, each once. {COMMA_LIST}."},
    Lines: {"type": "array", "items": {"type": "string"},
            "description": "A list of lines: name[]=a&name[]=b or a JSON array; "
                           "an item may contain commas."},
    IdList: {"type": "string", "pattern": r"^\d+(,\d+)*$",
             "description": f"Numeric ids. {COMMA_LIST}."},
    WsDate: {"type": "string", "format": "date-dmy", "pattern": DATE_PATTERN,
             "description": "A date, DD.MM.YYYY (as Worksection writes it) or YYYY-MM-DD."},
    Amount: {"type": "string", "format": "decimal", "pattern": r"^\d+([.,]\d+)?$",
             "description": "A non-negative decimal amount (a comma works as the point)."},
    Duration: {"type": "string", "pattern": r"^(\d+:\d{2}|\d+([.,]\d+)?)$",
               "description": "Time spent: H:MM (1:30) or decimal hours (1.5, 1,5); "
                              "at most 24:00 per cost line."},
    Period: {"type": "string", "pattern": r"^\d{1,4}[mhd]$",
             "description": "How far back: 1m to 360m, 1h to 72h or 1d to 30d (on a paged "
                            "list, any number up to 9999; or none: every event)."},
    Cursor: {"type": "string", "description": "Walks a list: empty for the first page, then "
                                              "the next_cursor of the page before."},
    Filter: {"type": "string", "format": "filter", "maxLength": 2000,
             "description": "An expression of the filter language (see Filters), "
                            "e.g. name has 'Report' and dateend > '25.05.2021'."},
    CustomValues: {"type": "object", "additionalProperties": True,
                   "description": "Custom field values by field id: a JSON object "
                                  "{\"12\": \"High\"} or custom_fields[12]=High; an empty "
                                  "value clears the field."},
    Options: {"type": "string", "description": "The choices of a select field. "
                                               f"{COMMA_LIST}."},
    Uploads: {"type": "array", "items": {"type": "string", "format": "binary"},
              "description": "Files sent as multipart/form-data parts (attach[0], files[])."},
    FileRefs: {"type": "string", "description": "Ids of files from upload_files, comma-"
                                                "separated (or the objects it answered)."},
    ScheduleData: {"type": "object", "additionalProperties": True,
                   "description": "{\"<email or id>\": {\"<DD.MM.YYYY>\": \"<hours or a "
                                  "day type>\"}}, as JSON or its text."},
    Executive: {"type": "string", "description": "The assignee's email, ANY (anyone) or "
                                                 "NOONE (nobody)."},
    Relations: {"type": "string", "description": "Dependencies as type:ID items, comma-"
                                                 "separated (finish-to-start:12, "
                                                 "start-to-start:15; a bare ID is "
                                                 "finish-to-start); none clears them."},
    EventNames: {"type": "string", "description": "Event names, comma-separated "
                                                  "(post_task, update_task, ...)."},
}


def field_type(field: fields.Field) -> dict[str, Any]:
    """The facts the field's class stands for (the nearest mapped class wins)."""
    for cls in type(field).__mro__:
        if cls in FIELD_TYPES:
            return dict(FIELD_TYPES[cls])
    return {}


def field_facts(self, field: fields.Field, ret: dict[str, Any], **_: Any) -> dict[str, Any]:
    """An apispec attribute function: the type of every Taskgate field, never a docstring."""
    facts = field_type(field)
    if isinstance(field, Choice):
        facts = {"type": "string", "enum": list(field.choices),
                 "description": "One of these words (any case)."}
        if ret.get("default") not in field.choices:
            ret.pop("default", None)  # "" stands for "not given", which is no choice
    if isinstance(field, Words):
        facts = {"type": "string", "description": "A comma list of: "
                 f"{', '.join(sorted(field.allowed))} (unknown words are ignored)."}
    if isinstance(field, Flag) and isinstance(ret.get("default"), bool):
        facts["default"] = int(ret["default"])
    if isinstance(field, Text) and ret.get("type", facts.get("type")) == "string":
        facts["type"] = ["string", "number"]  # a JSON number is taken as its text
    if "type" not in ret | facts:
        facts["type"] = "string"
    return facts
