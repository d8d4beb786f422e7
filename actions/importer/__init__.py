"""Importing a whole account from a server that speaks the Worksection admin API: read it all
(``snapshot``), decide every id here before writing anything (``ledger``), then write it
resource by resource (``people``, ``projects``, ``tasks``, ``extras``)."""

from __future__ import annotations

from typing import Any

from actions.importer import extras, people, projects, tasks
from actions.importer.extras import Context
from actions.importer.ledger import ImportRefused, Ledger
from actions.importer.rows import plan, write
from actions.importer.snapshot import Progress, plain, read_account
from actions.importer.source import SourceClient
from models.base import db
from models.imports import advance_sequence
from models.storage import Storage

__all__ = ["ImportRefused", "SourceClient", "run_import"]


def run_import(client: SourceClient, storage: Storage, master: str, *, remap: bool = False,
               dry_run: bool = False, progress: Progress = plain,
               unreadable: list[str] | None = None) -> Ledger:
    """Bring the account over; answer the ledger (its ``summary`` and ``remapped`` ids).
    ``ImportRefused`` when ids cannot be kept (nothing written); ``SourceDown`` when the
    source went away (what was written stays; the next run continues)."""
    unreadable = [] if unreadable is None else unreadable
    account = read_account(client, unreadable, progress)
    ledger = Ledger(client.base, remap=remap)
    specs = (people.specs(account) + projects.specs(account) + tasks.specs(account)
             + extras.specs(account, Context(client, storage, master, dry_run)))
    people.plan_owner(account, ledger)
    for spec in specs:
        plan(spec, account, ledger)
    if ledger.refusals:
        raise ImportRefused(ledger.refusals)
    if dry_run:
        with db.atomic() as transaction:
            write_all(specs, account, ledger, progress, move_sequences=False)
            transaction.rollback()
    else:
        write_all(specs, account, ledger, progress)
    client.finish()
    return ledger


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
