"""Moving data: ``backup``, ``restore``, ``export``, ``import`` and ``db upgrade``."""

from __future__ import annotations

import functools
import gzip
import itertools
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from typing import IO, Any

import click
from flask import current_app
from flask.cli import with_appcontext
from peewee import SqliteDatabase

from models import all_models
from models.backup import (
    backup_sqlite,
    export_sqlite_file,
    is_pg_dump_file,
    is_sqlite_file,
    keep_sequences_past,
    pg_dump,
    pg_restore,
    private_file,
    sequence_positions,
)
from models.base import db
from models.files import File
from models.loading import import_account, is_empty
from models.migrations import SchemaTooNew, current_version, head, pending, upgrade
from models.storage import Storage, open_storage
from models.transfer import TransferError, export_account


def storage() -> Storage:
    return open_storage(current_app.config.get("FILES_URL"), current_app.config["FILES_DIR"])


def explains_errors(command: Callable[..., None]) -> Callable[..., None]:
    """Answer a refused file or database with its one-line reason, not a traceback."""
    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except (TransferError, SchemaTooNew, ValueError, RuntimeError) as err:  # bad JSON, pg_*
            raise click.ClickException(str(err)) from None
    return run


def loading_command(name: str) -> Callable[[Callable[..., None]], click.Command]:
    """A command that loads FILE into this database, refusing one with data without --force."""
    def make(function: Callable[..., None]) -> click.Command:
        for decorate in (explains_errors, with_appcontext, click.option(
                "--force", is_flag=True, help="Replace the content of a database that is not"
                " empty."), click.argument("file", type=click.Path(exists=True, dir_okay=False)),
                click.command(name)):
            function = decorate(function)
        return function
    return make


def open_text(path: str, mode: str) -> IO[str]:
    """A text file, gzip-compressed when its name ends in ``.gz``; written at 0600."""
    if "w" in mode:
        private_file(path)
    if path.endswith(".gz"):
        return gzip.open(path, mode + "t", encoding="utf-8")
    return open(path, mode, encoding="utf-8")


@click.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@click.option("--no-files", is_flag=True, help="Leave out the uploaded files' contents.")
@with_appcontext
@explains_errors
def export_command(file: str, no_files: bool) -> None:
    """Write the whole account to FILE (JSON lines; FILE.gz is compressed)."""
    write_export(file, None if no_files else storage())


def write_export(file: str, files: Storage | None) -> None:
    upgrade()
    length = sum(m.select().count() for m in all_models())
    length += File.select(File.sha256).distinct().count() if files else 0
    with open_text(file, "w") as out, bar(length, "Exporting") as progress:
        counts = export_account(out, files, progress.update)
    click.echo(f"Exported {sum(counts.values())} rows of {len(counts)} tables to {file}")


@loading_command("import")
def import_command(file: str, force: bool) -> None:
    """Load an export (made by the export or backup command) into this database."""
    load(file, force)


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@click.option("--export", "as_export", is_flag=True,
              help="Write the app's export (to move to another database) instead.")
@with_appcontext
@explains_errors
def backup_command(file: str, as_export: bool) -> None:
    """Copy the database to FILE while the server runs: a SQLite file on SQLite; on
    PostgreSQL, pg_dump's custom format (an export, files included, without pg_dump)."""
    if not isinstance(db.obj, SqliteDatabase):
        if as_export or not shutil.which("pg_dump"):
            write_export(file, storage())
            return
        pg_dump(current_app.config["DATABASE_URL"], file)
        click.echo(f"Backed up to {file} (pg_dump; the uploaded files are in "
                   f"{storage().location}: back them up too)")
        return
    if as_export:
        write_export(file, storage())
        return
    with bar(1, "Backing up") as progress:
        def step(done: int, total: int) -> None:
            progress.length = total
            progress.update(done - progress.pos)
        backup_sqlite(file, step)
    os.chmod(file, 0o600)
    click.echo(f"Backed up to {file} (the uploaded files are in "
               f"{current_app.config['FILES_DIR']}: back that folder up too)")


@loading_command("restore")
def restore_command(file: str, force: bool) -> None:
    """Load a backup (a SQLite backup file, a pg_dump file or an export) into this database."""
    if is_pg_dump_file(file):
        restore_pg_dump(file, force)
    elif not is_sqlite_file(file):
        load(file, force)
    else:
        with tempfile.TemporaryDirectory() as folder:
            converted = os.path.join(folder, "backup.jsonl")
            with open(converted, "w", encoding="utf-8") as out:
                export_sqlite_file(file, out)
            load(converted, force, shown_as=file)


def restore_pg_dump(file: str, force: bool) -> None:
    if isinstance(db.obj, SqliteDatabase):
        raise click.ClickException("a pg_dump file restores into PostgreSQL only: on SQLite, "
                                   "restore an export (flask backup --export)")
    if not force and not is_empty():
        raise click.ClickException("The database is not empty: restore with --force to "
                                   "replace its content")
    before = sequence_positions()
    pg_restore(current_app.config["DATABASE_URL"], file)
    upgrade()  # a dump of an older release
    keep_sequences_past(before)
    click.echo(f"Restored {file} (pg_restore)")


def load(file: str, force: bool, shown_as: str | None = None) -> None:
    upgrade()
    before = sequence_positions()
    with open_text(file, "r") as lines:
        first = next(lines, "")
        header = json.loads(first) if first.strip().startswith("{") else {}
        length = sum(header.get("tables", {}).values()) + header.get("files", 0)
        with bar(length, "Importing") as progress:
            counts, blobs = import_account(itertools.chain([first], lines), storage(), force,
                                           progress.update)
    keep_sequences_past(before)
    click.echo(f"Imported {sum(counts.values())} rows and {blobs} files from {shown_as or file}")


def bar(length: int, label: str):
    return click.progressbar(length=max(length, 1), label=label, file=sys.stderr)


@click.group("db")
def db_group() -> None:
    """Schema migrations."""


@db_group.command("upgrade")
@with_appcontext
@explains_errors
def db_upgrade() -> None:
    """Apply the pending migrations (init-db does too)."""
    ran = upgrade()
    for label in ran:
        click.echo(f"Applied {label}")
    click.echo(f"Schema version {current_version()} (latest {head()})")


@db_group.command("status")
@with_appcontext
def db_status() -> None:
    """Show the schema version and the migrations still to apply."""
    click.echo(f"Schema version {current_version()} (latest {head()})")
    for migration in pending():
        click.echo(f"Pending {migration.label}")
