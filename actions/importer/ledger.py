"""The import's book-keeping: which source id is which id here, what has not changed since
the last run, and the summary (created, updated, skipped, deleted, failed with reasons)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from peewee import fn

from actions.importer.shapes import SENTINEL_IDS, digest
from models.base import BaseModel
from models.imports import ImportedRow

# Ids an integration may hold: they are kept, or the import stops (unless --remap).
KEPT = ("user", "project", "task", "comment", "cost", "file")


class ImportRefused(Exception):
    """Ids that cannot be kept, found before anything was written."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


class Ledger:
    def __init__(self, source: str, remap: bool = False) -> None:
        self.source, self.remap = source, remap
        self.rows = {(row.kind, row.source_id): row
                     for row in ImportedRow.select().where(ImportedRow.source == source)}
        self.ids: dict[str, dict[int, int]] = defaultdict(dict)
        for (kind, source_id), row in self.rows.items():
            if source_id.isdigit():
                self.ids[kind][int(source_id)] = row.local_id
        self.counts: dict[str, dict[str, int]] = defaultdict(
            lambda: {"created": 0, "updated": 0, "skipped": 0, "deleted": 0, "failed": 0})
        self.failures: list[dict[str, Any]] = []
        self.deleted: list[dict[str, Any]] = []  # rows deleted here as on the source
        self.refusals: list[str] = []
        self.notes: list[str] = []  # what the operator should know (printed with the summary)
        self.run_plan: Any = None  # what the run reads (actions.importer.Plan)
        self.unsaved: list[ImportedRow] = []  # recorded, inserted by flush()
        self.fresh = False  # the row being written was just inserted (it has no links yet)
        self.remapped: dict[str, dict[str, int]] = defaultdict(dict)
        self.freed: dict[str, set[int]] = defaultdict(set)  # ids a renumbered row leaves

    def local(self, kind: str, source_id: int | None) -> int | None:
        return None if source_id is None else self.ids[kind].get(source_id)

    def unchanged(self, kind: str, source_id: Any, value: Any) -> bool:
        row = self.rows.get((kind, str(source_id)))
        return row is not None and row.digest == digest(value)

    def known(self, kind: str, source_id: Any) -> ImportedRow | None:
        return self.rows.get((kind, str(source_id)))

    def record(self, kind: str, source_id: Any, local_id: int, value: Any) -> None:
        key, sealed = (kind, str(source_id)), digest(value)
        row = self.rows.get(key)
        if row is None:
            row = ImportedRow(source=self.source, kind=kind, source_id=str(source_id),
                              local_id=local_id, digest=sealed)
            self.rows[key] = row
            self.unsaved.append(row)
        elif row.digest != sealed or row.local_id != local_id:
            row.digest, row.local_id = sealed, local_id
            if row.id is not None:  # else flush() inserts it as it is now
                row.save()

    def flush(self) -> None:
        """Insert the rows recorded since the last flush (call it inside the transaction
        that wrote what they stand for)."""
        rows = [{"source": r.source, "kind": r.kind, "source_id": r.source_id,
                 "local_id": r.local_id, "digest": r.digest} for r in self.unsaved]
        for start in range(0, len(rows), 500):
            ImportedRow.insert_many(rows[start:start + 500]).execute()
        self.unsaved = []

    def forget(self, rows: list[ImportedRow]) -> None:
        """Drop these entries: what they stand for is gone here (call it inside the
        transaction that deleted it)."""
        by_kind: dict[str, list[str]] = defaultdict(list)
        for row in rows:  # by key: a row recorded this run has no id in memory
            by_kind[row.kind].append(row.source_id)
        for kind, source_ids in by_kind.items():
            for start in range(0, len(source_ids), 500):
                ImportedRow.delete().where(
                    ImportedRow.source == self.source, ImportedRow.kind == kind,
                    ImportedRow.source_id.in_(source_ids[start:start + 500])).execute()
        for row in rows:
            self.rows.pop((row.kind, row.source_id), None)
            if row.source_id.isdigit():
                self.ids[row.kind].pop(int(row.source_id), None)

    def count(self, kind: str, outcome: str) -> None:
        self.counts[kind][outcome] += 1

    def fail(self, kind: str, source_id: Any, reason: str) -> None:
        self.count(kind, "failed")
        self.failures.append({"kind": kind, "id": str(source_id), "reason": reason})

    def plan(self, kind: str, model: type[BaseModel], source_ids: list[int],
             claimed: dict[int, int] | None = None, taken: Any = None) -> None:
        """Decide the id here of each source object not imported before: its own id, unless
        that is a sentinel (users) or already a different row here (``taken(id)`` too). Then
        a kept kind is refused (or, with ``remap``, given a fresh id); other kinds always get
        a fresh id."""
        mine = self.ids[kind]
        mine.update({src: local for src, local in (claimed or {}).items() if src not in mine})
        used = set(mine.values())
        present = present_ids(model, [i for i in source_ids if i not in mine]) - self.freed[kind]
        fresh = max([model.select(fn.MAX(model._meta.primary_key)).scalar() or 0,
                     *source_ids, *used]) + 1
        for source_id in source_ids:
            if source_id in mine:
                continue
            reason = self.clash(kind, source_id, used, present, taken)
            if reason is None:
                mine[source_id] = source_id
            elif kind in KEPT and not self.remap:
                self.refusals.append(reason)
                continue
            else:
                mine[source_id], fresh = fresh, fresh + 1
                self.remapped[kind][str(source_id)] = mine[source_id]
            used.add(mine[source_id])

    def clash(self, kind: str, source_id: int, used: set[int], present: set[int],
              taken: Any) -> str | None:
        if kind == "user" and source_id in SENTINEL_IDS:
            return f"user {source_id}: ids 0, 1 and 2 mean 'nobody' and 'anyone' here"
        if source_id in used or source_id in present:
            return f"{kind} {source_id}: a different {kind} here has this id"
        return taken(source_id) if taken else None

    def summary(self, unreadable: list[str]) -> dict[str, Any]:
        return {"source": self.source, "counts": dict(self.counts), "failed": self.failures,
                "deleted": self.deleted, "notes": self.notes,
                "unreadable": unreadable, "remapped": dict(self.remapped)}


def present_ids(model: type[BaseModel] | None, ids: list[int]) -> set[int]:
    """Which of ``ids`` are rows of ``model`` here (a few queries, not one per id)."""
    if model is None:
        return set()
    key, found = model._meta.primary_key, set()
    for start in range(0, len(ids), 500):
        found.update(model.select(key).where(key.in_(ids[start:start + 500])).scalars())
    return found
