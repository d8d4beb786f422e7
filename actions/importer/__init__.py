"""Importing a whole account from a server that speaks the Worksection admin API: read it
(``snapshot``: every list, then comments and files; on a later run only what the source's
events name), decide every id here before writing anything (``ledger``), then write it
resource by resource (``people``, ``projects``, ``tasks``, ``extras``); last, delete what
the source's whole lists no longer have (``deletions``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from actions.importer import extras, people, projects, tasks
from actions.importer.deletions import delete_gone
from actions.importer.extras import Context, file_items
from actions.importer.ledger import ImportRefused, Ledger
from actions.importer.rows import plan, write
from actions.importer.shapes import period_since, to_id
from actions.importer.snapshot import (
    EVENTS_CAP,
    LISTS,
    Progress,
    Reads,
    plain,
    read_lists,
    read_rest,
    reads_needed,
)
from actions.importer.source import SourceClient
from models.base import db, now
from models.imports import advance_sequence, last_run, record_run
from models.storage import Storage

__all__ = ["ImportRefused", "Plan", "SourceClient", "run_import"]

FULL_PERIOD = "30d"  # the longest get_events period: a full run brings those events over
MARGIN = dt.timedelta(minutes=2)  # events carry minutes only, and two clocks differ a little


@dataclass
class Plan:
    """What a run reads: everything, or what changed since ``since``; and how many requests."""

    period: str
    since: dt.datetime | None = None
    note: str = ""
    reads: Reads = field(default_factory=Reads)
    downloads: int = 0

    @property
    def requests(self) -> int:
        return len(LISTS) + len(self.reads.tasks) + len(self.reads.projects) + self.downloads


def run_import(client: SourceClient, storage: Storage, master: str, *, remap: bool = False,
               dry_run: bool = False, full: bool = False, progress: Progress = plain,
               unreadable: list[str] | None = None,
               announce: Callable[[Plan], None] = lambda plan: None) -> Ledger:
    """Bring the account over (or what changed since the last run); answer the ledger (its
    ``summary``, ``remapped`` ids and ``run_plan``). ``ImportRefused`` when ids cannot be kept
    (nothing written); ``SourceDown`` when the source went away (what was written stays; the
    next run continues). A dry run reads only the lists and writes nothing. What the source's
    whole lists no longer have is deleted here (``deletions``)."""
    unreadable = [] if unreadable is None else unreadable
    ledger = Ledger(client.base, remap=remap)
    account = read(client, ledger, full, dry_run, unreadable, progress, announce)
    specs = (people.specs(account) + projects.specs(account) + tasks.specs(account)
             + extras.specs(account, Context(client, storage, master, dry_run)))
    people.plan_owner(account, ledger)
    for spec in specs:
        plan(spec, account, ledger)
    if ledger.refusals:
        raise ImportRefused(ledger.refusals)
    by_token = client.token is not None
    if dry_run:
        with db.atomic() as transaction:
            write_all(specs, account, ledger, progress, move_sequences=False)
            delete_gone(specs, account, ledger, by_token)
            transaction.rollback()
    else:
        write_all(specs, account, ledger, progress)
        with db.atomic():  # the deletions and the run's record: both, or neither
            delete_gone(specs, account, ledger, by_token)
            record_run(client.base, client.started)
    client.finish()
    return ledger


def read(client: SourceClient, ledger: Ledger, full: bool, dry_run: bool,
         unreadable: list[str], progress: Progress,
         announce: Callable[[Plan], None]) -> dict[str, Any]:
    """The lists, then the comments and files the plan names (a dry run: the lists only)."""
    run = scope(client.base, full)
    account = read_lists(client, unreadable, run.period, progress)
    if run.since and len(account["events"]) >= EVENTS_CAP:
        run = Plan(run.period, note=f"the source answered {EVENTS_CAP} events or more (its "
                                    "most): reading every task's comments again")
    run.reads = reads_needed(account, run.since is not None, ledger.known)
    run.downloads = sum(1 for f in file_items({**account, "comments": {}, "files": {}})
                        if ledger.known("file", to_id(f.get("id"))) is None)
    ledger.run_plan = run
    announce(run)
    read_rest(client, account, Reads() if dry_run else run.reads, unreadable, progress)
    return account


def scope(source: str, full: bool) -> Plan:
    """A full run (the first, ``--full``, or after more than 30 days), else a delta run over
    the source's events since the last completed run started."""
    last = None if full else last_run(source)
    if last is None:
        return Plan(FULL_PERIOD)
    if last > now():
        return Plan(FULL_PERIOD, note="the last run is recorded in the future (was the clock "
                                      "changed?): reading everything again")
    period = period_since(now() - last + MARGIN)
    if period is None:
        return Plan(FULL_PERIOD, note="the last run was more than 30 days ago, longer than "
                                      "the source keeps events: reading everything again")
    return Plan(period, since=last)


def write_all(specs: list[Any], account: dict[str, Any], ledger: Ledger,
              progress: Progress, move_sequences: bool = True) -> None:
    """Write every kind in order; then, unless this is a dry run (PostgreSQL sequences do not
    roll back), move each table's id sequence past the ids written."""
    with db.atomic():
        people.renumber_owner(account, ledger)
    for spec in specs:
        write(spec, account, ledger, progress)
        if spec.model is not None and move_sequences:
            advance_sequence(spec.model)
