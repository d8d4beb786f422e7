"""Input and output schemas of cost lines (time and money spent on tasks)."""

from __future__ import annotations

import decimal
import re
from typing import Any

from marshmallow import ValidationError, fields, pre_load, validates_schema

from schemas.base import (
    Amount,
    Email,
    Flag,
    Id,
    LongText,
    Out,
    Params,
    StrId,
    Words,
    WsDate,
    date_out,
)
from schemas.envelope import FieldRequired
from schemas.filters import COST_FIELDS, Filter
from schemas.members import user_ref
from schemas.paging import PagedIn

MAX_MINUTES = 24 * 60  # one cost line records at most a day
MONEY_MAX = 10**12
TOTAL_EXTRAS = {"projects", "tasks", "tasks_top_level"}
CLOCK = re.compile(r"(\d+):(\d{2})")
HOURS = re.compile(r"\d+(?:[.,]\d+)?")


class Duration(fields.Field):
    """Time spent, in whole minutes: ``1:30`` (H:MM), or decimal hours ``1.5`` / ``1,5``
    (``0.15`` is 9 minutes). At most 24:00 per cost line."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ValidationError("must be a time like 1:30, 1.5 or 1,5")
        text = str(value).strip()
        if clock := CLOCK.fullmatch(text):
            hours, minutes = int(clock[1]), int(clock[2])
            if minutes >= 60:
                raise ValidationError("minutes must be below 60")
            total = hours * 60 + minutes
        elif HOURS.fullmatch(text):
            hours = decimal.Decimal(text.replace(",", "."))
            total = int((hours * 60).to_integral_value(rounding=decimal.ROUND_HALF_UP))
        else:
            raise ValidationError("must be a time like 1:30, 1.5 or 1,5")
        if total > MAX_MINUTES:
            raise ValidationError("must not exceed 24:00")
        return total


class CostFiltersIn(Params):
    """The cost lines a get_costs or get_costs_total call selects."""

    id_project = Id()
    id_task = Id()
    datestart = WsDate()
    dateend = WsDate()
    is_timer = Flag()
    filter = Filter(COST_FIELDS)


class GetCostsIn(CostFiltersIn, PagedIn):
    """get_costs: the selected cost lines and their sums in ``total`` (Worksection's
    ``{time, money}``). Paged (``page``, ``limit`` or ``cursor``, a Taskgate extension), the
    number of lines selected is ``count``, since ``total`` already names the sums (of every
    line selected, not of the page)."""


class GetCostsTotalIn(CostFiltersIn):
    extra = Words(TOTAL_EXTRAS, load_default=set)


class CostValuesIn(Params):
    time = Duration()
    money = Amount(maximum=MONEY_MAX)
    is_rate = Flag(load_default=False)
    comment = LongText()
    date = WsDate()


class AddCostsIn(CostValuesIn):
    id_task = Id(required=True)
    email_user_from = Email()

    @validates_schema
    def time_or_money(self, data: dict[str, Any], **_: Any) -> None:
        if "time" not in data and "money" not in data:
            raise FieldRequired(details="time or money")


class CostIdIn(Params):
    id_costs = Id(required=True)

    @pre_load
    def legacy_id(self, data: Any, **_: Any) -> Any:
        """``*_timemoney`` (and the FAQ's examples) name the cost line ``id``."""
        if isinstance(data, dict) and data.get("id") not in (None, "") and not data.get(
                "id_costs"):
            data = {**data, "id_costs": data["id"]}
        return data


class UpdateCostsIn(CostIdIn, CostValuesIn):
    pass


def hours_text(minutes: int) -> str:
    """Minutes as Worksection writes time: ``H:MM`` (``6:50``, ``103:39``)."""
    return f"{minutes // 60}:{minutes % 60:02d}"


def money_text(cents: int) -> str:
    """Cents as Worksection writes money: two decimals (``75.17``, ``0.00``)."""
    return f"{cents // 100}.{cents % 100:02d}"


def total_out(minutes: int, cents: int) -> dict[str, str]:
    return {"time": hours_text(minutes), "money": money_text(cents)}


def cost_row(cost: Any, task: dict[str, Any]) -> dict[str, Any]:
    """A cost line as :class:`CostOut` writes it, with its task's short form."""
    return {"id": str(cost.id), "comment": cost.comment, "time": hours_text(cost.minutes),
            "money": money_text(cost.cents), "date": date_out(cost.date),
            "is_timer": bool(cost.is_timer), "user_from": user_ref(cost.user), "task": task}


class CostOut(Out):
    """A cost line without its task (the handler adds the task's short form)."""

    id = StrId()
    comment = fields.String()
    time = fields.Function(lambda cost: hours_text(cost.minutes))
    money = fields.Function(lambda cost: money_text(cost.cents))
    date = fields.Function(lambda cost: date_out(cost.date))
    is_timer = fields.Boolean()
    user_from = fields.Function(lambda cost: user_ref(cost.user))
