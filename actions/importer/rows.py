"""Writing one source object as one row here, kept in step by the ledger: created when new,
updated when the source shows it otherwise than last time, skipped when it does not. Each
object is its own savepoint, so one that cannot be written fails alone, with its reason."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from actions.importer.ledger import Ledger, present_ids
from actions.importer.shapes import amount, day, to_id, user_id
from actions.importer.source import SourceDown
from models.base import BaseModel, db
from models.custom_fields import VALUE_COLUMNS, CustomField, CustomValue


class NotImported(ValueError):
    """An object refers to one that did not come over."""


@dataclass
class Spec:
    """How one kind of source object is planned and written."""

    kind: str
    model: type[BaseModel] | None
    items: Callable[[dict[str, Any]], list[dict[str, Any]]]
    fields: Callable[[dict[str, Any], Ledger, bool], dict[str, Any]] = lambda o, ledger, new: {}
    links: Callable[[dict[str, Any], int, Ledger], None] | None = None
    natural: Callable[[dict[str, Any], Ledger], BaseModel | None] | None = None
    taken: Callable[[dict[str, Any], Ledger], str | None] | None = None
    source_id: Callable[[dict[str, Any]], Any] = field(default=lambda o: to_id(o.get("id")))
    plans_ids: bool = True
    empty: Callable[[dict[str, Any]], bool] = lambda o: False  # nothing to write when new
    # What the ledger remembers of an object: what every read of it shows alike.
    form: Callable[[dict[str, Any]], Any] = lambda o: o
    # Read too partly this run to change the row of one that came over before.
    partial: Callable[[dict[str, Any]], bool] = lambda o: False
    batch: int = 200  # objects per transaction (each still its own savepoint)


def plan(spec: Spec, account: dict[str, Any], ledger: Ledger) -> None:
    """Choose the id here of every object of ``spec`` (nothing is written)."""
    if spec.model is None or not spec.plans_ids:
        return
    items = {spec.source_id(o): o for o in spec.items(account)}
    items.pop(None, None)
    claimed = {}
    for source_id, obj in items.items():
        row = spec.natural(obj, ledger) if spec.natural else None
        if row is not None and ledger.local(spec.kind, source_id) is None:
            claimed[source_id] = row.get_id()
    taken = (lambda sid: spec.taken(items[sid], ledger)) if spec.taken else None
    ledger.plan(spec.kind, spec.model, sorted(items), claimed, taken)


def write(spec: Spec, account: dict[str, Any], ledger: Ledger,
          progress: Callable[[str, Iterable[Any]], Iterable[Any]]) -> None:
    pending: list[tuple[dict[str, Any], Any]] = []
    for obj in progress(spec.kind, spec.items(account)):
        source_id = spec.source_id(obj)
        if source_id is None:
            ledger.fail(spec.kind, obj.get("id"), "no id")
        elif nothing_to_write(spec, obj, source_id, ledger):
            ledger.count(spec.kind, "skipped")
        else:
            pending.append((obj, source_id))
        if len(pending) >= spec.batch:
            write_batch(spec, pending, ledger)
            pending = []
    write_batch(spec, pending, ledger)


def nothing_to_write(spec: Spec, obj: dict[str, Any], source_id: Any, ledger: Ledger) -> bool:
    """As remembered; or new with nothing to write; or read too partly to change it."""
    known = ledger.known(spec.kind, source_id) is not None
    return (ledger.unchanged(spec.kind, source_id, spec.form(obj))
            or (spec.empty(obj) and not known) or (spec.partial(obj) and known))


def write_batch(spec: Spec, batch: list[tuple[dict[str, Any], Any]], ledger: Ledger) -> None:
    """One transaction for the batch; what was written before the source went away stays."""
    if not batch:
        return
    present = present_ids(spec.model, [i for i in (here_id(spec, sid, ledger)
                                                   for _, sid in batch) if i is not None])
    stopped = None
    with db.atomic():
        for obj, source_id in batch:
            try:
                upsert(spec, obj, source_id, ledger, present)
            except SourceDown as err:
                stopped = err
                break
        ledger.flush()
    if stopped is not None:
        raise stopped


def here_id(spec: Spec, source_id: Any, ledger: Ledger) -> int | None:
    found = ledger.local(spec.kind, source_id) if spec.plans_ids else None
    known = ledger.known(spec.kind, source_id)
    return known.local_id if found is None and known is not None else found


def upsert(spec: Spec, obj: dict[str, Any], source_id: Any, ledger: Ledger,
           present: set[int]) -> None:
    here = here_id(spec, source_id, ledger)
    known = ledger.known(spec.kind, source_id)
    if spec.plans_ids and here is None:
        ledger.fail(spec.kind, source_id, "its id could not be kept")
        return
    model = spec.model
    try:
        with db.atomic():
            exists = model is not None and here in present
            values = spec.fields(obj, ledger, not exists)
            if exists:
                model.update(**values).where(model._meta.primary_key == here).execute()
            elif model is not None and here is None:
                here = model.insert(**values).execute()
            elif model is not None:
                model.insert(id=here, **values).execute()
                present.add(here)
            if spec.links:
                ledger.fresh = model is not None and not exists  # no links to it exist yet
                spec.links(obj, here or 0, ledger)
            ledger.record(spec.kind, source_id, here or 0, spec.form(obj))
    except SourceDown:
        raise
    except Exception as err:  # any one object that cannot be written is reported, not fatal
        ledger.fail(spec.kind, source_id, f"{err.__class__.__name__}: {err}")
        return
    ledger.count(spec.kind, "updated" if exists or known else "created")


def need(ledger: Ledger, kind: str, source_id: int | None, optional: bool = False) -> int | None:
    """The id here of a source object this one refers to."""
    if source_id is None:
        if optional:
            return None
        raise NotImported(f"no {kind} given")
    local = ledger.local(kind, source_id)
    if local is None and not optional:
        raise NotImported(f"{kind} {source_id} did not come over")
    return local


def person(ledger: Ledger, ref: Any) -> int | None:
    """A user reference as the id here (None for NOONE, ANY or nobody)."""
    return need(ledger, "user", user_id(ref), optional=True)


def replace_links(model: type[BaseModel], owner: Any, owner_id: int, column: Any,
                  targets: Iterable[int | None], fresh: bool = False) -> None:
    """Make the link rows of one owner exactly ``targets`` (``fresh``: it has none yet)."""
    if not fresh:
        model.delete().where(owner == owner_id).execute()
    rows = [{owner.name: owner_id, column.name: t} for t in dict.fromkeys(targets) if t]
    if rows:
        model.insert_many(rows).execute()


def replace_custom_values(scope: str, owner_id: int, values: Any, ledger: Ledger) -> None:
    owner = CustomValue.task if scope == "task" else CustomValue.project
    if not ledger.fresh:
        CustomValue.delete().where(owner == owner_id).execute()
    for item in values if isinstance(values, list) else []:
        field_id = ledger.local("field", to_id(item.get("id")))
        found = CustomField.get_or_none(CustomField.id == field_id) if field_id else None
        if found is None:
            raise NotImported(f"custom field {item.get('id')} did not come over")
        CustomValue.create(field=found, **{owner.name: owner_id,
                                           VALUE_COLUMNS[found.type]: typed(found, item, ledger)})


def typed(found: CustomField, item: dict[str, Any], ledger: Ledger) -> Any:
    value = item.get("value")
    if found.type == "number":
        return amount(value)
    if found.type == "date":
        return day(value)
    if found.type == "checkbox":
        return str(value).lower() in ("1", "true", "yes")
    if found.type == "user":
        return need(ledger, "user", user_id(value))
    return "" if value is None else str(value)
