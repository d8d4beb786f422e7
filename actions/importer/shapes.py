"""Reading the values of a Worksection answer whatever generation wrote it: ids as strings or
numbers, dates as ``YYYY-MM-DD HH:MM`` or ``DD.MM.YYYY``, users with the sentinels, tags as
an object or a list, roles capitalised or not."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

NOONE, ANY = "NOONE", "ANY"
SENTINEL_IDS = frozenset({0, 1, 2})  # manager not set, executive not set, anyone
PAGE_IDS = re.compile(r"/project/(\d+)/(?:(\d+)/)?(?:(\d+)/)?")


def digest(value: Any) -> str:
    return hashlib.sha1(json.dumps(value, sort_keys=True, ensure_ascii=False,
                                   default=str).encode()).hexdigest()


def to_id(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def user_id(ref: Any) -> int | None:
    """A real user's id from ``{id, email, name}``; None for NOONE, ANY or nothing."""
    if not isinstance(ref, dict) or str(ref.get("email", "")).upper() in (NOONE, ANY):
        return None
    return to_id(ref.get("id"))


def is_anyone(ref: Any) -> bool:
    return isinstance(ref, dict) and str(ref.get("email", "")).upper() == ANY


def moment(value: Any) -> dt.datetime | None:
    text = str(value or "").strip()
    if not text[:1].isdigit():
        return None
    for pattern in ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M", "%Y-%m-%d",
                    "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None


def day(value: Any) -> dt.date | None:
    found = moment(value)
    return found.date() if found else None


def clock(value: Any) -> str | None:
    text = str(value or "").strip()
    return text[:5] if re.fullmatch(r"\d{2}:\d{2}(:\d{2})?", text) else None


def amount(value: Any) -> Decimal | None:
    try:
        return None if value in (None, "") else Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        return None


def minutes(value: Any) -> int:
    """A cost's time, ``H:MM`` (or decimal hours in older answers), in minutes."""
    text = str(value or "0").strip()
    if ":" in text:
        hours, _, mins = text.partition(":")
        return int(hours or 0) * 60 + int(mins[:2] or 0)
    return round(float(text.replace(",", ".") or 0) * 60)


def cents(value: Any) -> int:
    return int((amount(value) or Decimal(0)) * 100)


def tag_ids(value: Any) -> list[int]:
    """``tags`` as ``{id: name}`` (current) or a list of ids or ``{id, title}`` (older)."""
    if isinstance(value, dict):
        keys = value.keys()
    elif isinstance(value, list):
        keys = [item.get("id") if isinstance(item, dict) else item for item in value]
    else:
        keys = []
    return [tag for tag in (to_id(key) for key in keys) if tag is not None]


def role(value: Any) -> str:
    return str(value or "user").strip().lower()


def page_ids(page: Any) -> tuple[int | None, int | None]:
    """(project id, task id) from a page link ``/project/P/[T/[S/]]``."""
    found = PAGE_IDS.search(str(page or ""))
    if not found:
        return None, None
    project, top, sub = found.groups()
    task = sub or top
    return int(project), int(task) if task else None


def flatten_tasks(tasks: list[dict[str, Any]], parent: int | None = None
                  ) -> list[tuple[dict[str, Any], int | None]]:
    """Every task with its parent's id, parents first: nested in ``child`` (current) or flat
    with a ``parent`` (older answers and ``show_subtasks``)."""
    found: list[tuple[dict[str, Any], int | None]] = []
    for task in tasks if isinstance(tasks, list) else []:
        if not isinstance(task, dict) or to_id(task.get("id")) is None:
            continue
        own_parent = parent if parent is not None else to_id((task.get("parent") or {}).get("id"))
        found.append((task, own_parent))
        found += flatten_tasks(task.get("child") or [], to_id(task["id"]))
    unique = {to_id(task["id"]): (task, p) for task, p in found}
    return sorted(unique.values(), key=lambda pair: depth_of(pair, unique))


def depth_of(pair: tuple[dict[str, Any], int | None], tasks: dict[int, Any]) -> int:
    depth, parent = 0, pair[1]
    while parent is not None and parent in tasks and depth < 5:
        depth, parent = depth + 1, tasks[parent][1]
    return depth


def period_since(elapsed: dt.timedelta) -> str | None:
    """The shortest ``get_events`` period (1m..360m, 1h..72h, 1d..30d) that covers
    ``elapsed``; None beyond 30 days, which no period covers."""
    minutes = -(-int(elapsed.total_seconds()) // 60)
    for unit, size, top in (("m", 1, 360), ("h", 60, 72), ("d", 1440, 30)):
        count = max(1, -(-minutes // size))
        if count <= top:
            return f"{count}{unit}"
    return None
