"""``flask import-from``: bring a whole account over from a server that speaks the
Worksection admin API (Worksection itself, or another Taskgate), ids kept."""

from __future__ import annotations

import json
import os
import sys
from typing import Any
from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import with_appcontext

from actions.importer import ImportRefused, Plan, SourceClient, run_import
from actions.importer.progress import duration, progress
from actions.importer.snapshot import LISTS
from actions.importer.source import SourceDown, SourceUnsafe
from models.keys import seal, unseal
from models.storage import open_storage
from models.webhooks import ACTIVE, Webhook, last_event_id

OUTCOMES = ("created", "updated", "skipped", "deleted", "failed")
SHOWN = 50  # ids printed per kind deleted (the --summary file has them all)


@click.command("import-from")
@click.argument("url")
@click.option("--key", envvar="TASKGATE_IMPORT_KEY",
              help="The source account's admin API key (hash = md5(query + key)).")
@click.option("--oauth-token", envvar="TASKGATE_IMPORT_TOKEN",
              help="Or a user's access token, for an account reachable only as a user "
                   "(what that user sees comes over).")
@click.option("--rate", type=click.FloatRange(min=0.01), default=1.0, show_default=True,
              help="Requests per second to the source at most.")
@click.option("--backoff", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Seconds before the first retry of a failed request (doubling after).")
@click.option("--timeout", type=click.FloatRange(min=0.01), default=120.0, show_default=True,
              help="Seconds one request may take in all (a slower answer is retried).")
@click.option("--max-time", type=click.FloatRange(min=0.01),
              help="Seconds the whole run may take; then it stops (run it again to go on).")
@click.option("--max-answer", type=click.IntRange(min=1024),
              help="Bytes one answer of the source may have at most (default: this install's "
                   "own request limit, MAX_CONTENT_LENGTH, 32 MiB).")
@click.option("--full", is_flag=True, help="Read the whole account again, not only what "
                                           "changed since the last run.")
@click.option("--remap", "remap_file", type=click.Path(dir_okay=False),
              help="Give new ids where the source's cannot be kept, and write them to FILE.")
@click.option("--dry-run", is_flag=True, help="Read the lists only; say how many requests "
                                              "the run needs and what it would change and "
                                              "delete.")
@click.option("--summary", "summary_file", type=click.Path(dir_okay=False),
              help="Also write the summary as JSON to FILE.")
@click.option("--journal", type=click.Path(dir_okay=False),
              help="Where answers are kept until the import completes (default: in the "
                   "instance folder, named after the source).")
@with_appcontext
def import_from(url: str, key: str | None, oauth_token: str | None, rate: float,
                backoff: float, timeout: float, max_time: float | None, max_answer: int | None,
                full: bool, remap_file: str | None, dry_run: bool, summary_file: str | None,
                journal: str | None) -> None:
    """Import a whole account from URL through its API (read only), ids kept; a later run
    brings over what changed since."""
    if bool(key) == bool(oauth_token):
        raise click.UsageError("give either --key or --oauth-token")
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise click.BadParameter("give the account's address, e.g. https://acme.worksection.com",
                                 param_hint="URL")
    for hint, path in (("--summary", summary_file), ("--remap", remap_file),
                       ("--journal", journal)):
        writable(path, hint)
    config, unreadable = current_app.config, []
    client = SourceClient(url, key=key, token=oauth_token, rate=rate, backoff=backoff,
                          journal=journal or default_journal(url), timeout=timeout,
                          max_time=max_time,
                          max_answer=max_answer or config.get("MAX_CONTENT_LENGTH") or 2**25,
                          max_file=config["MAX_FILE_SIZE"])
    try:
        ledger = run_import(client, open_storage(config.get("FILES_URL"), config["FILES_DIR"]),
                            config["SECRET_KEY"], remap=bool(remap_file), dry_run=dry_run,
                            full=full, progress=progress, unreadable=unreadable,
                            announce=lambda plan: announce(plan, client, dry_run))
    except ImportRefused as refused:
        click.echo("Nothing was written: these ids cannot be kept here "
                   "(run again with --remap FILE to give them new ids):", err=True)
        for reason in refused.reasons:
            click.echo(f"  {reason}", err=True)
        sys.exit(2)
    except SourceUnsafe as err:
        click.echo(f"Stopped: {err}.", err=True)
        sys.exit(1)
    except SourceDown as err:
        click.echo(f"Interrupted: {err}. What was read and written is kept: run the same "
                   "command again to continue.", err=True)
        sys.exit(1)
    summary = {**ledger.summary(unreadable), "dry_run": dry_run, "requests": client.requests,
               "since": ledger.run_plan.since.isoformat() if ledger.run_plan.since else None}
    print_summary(summary)
    if remap_file and summary["remapped"] and not dry_run:
        write_json(remap_file, summary["remapped"])
    if summary_file:
        write_json(summary_file, summary)


def announce(plan: Plan, client: SourceClient, dry_run: bool) -> None:
    """Say what the run reads, and how many requests that takes at the source's rate."""
    if plan.note:
        click.echo(f"Note: {plan.note}.")
    what = (f"what changed since {plan.since:%Y-%m-%d %H:%M} UTC (get_events period="
            f"{plan.period})" if plan.since else "the whole account")
    reads = plan.reads
    click.echo(f"Reading {what}: {plan.requests} requests ({len(LISTS)} lists, "
               f"{len(reads.tasks)} tasks' comments, {len(reads.projects)} projects' files, "
               f"{plan.downloads} downloads), about {duration(plan.requests * client.interval)}"
               f" at {client.rate:g} requests/s.")
    if dry_run:
        click.echo("A dry run reads only the lists: comments and files are not counted below.")


@click.command("enable-webhook")
@click.argument("webhook_id", type=int)
@click.option("--http-user", default="", help="Basic auth user the receiver expects.")
@click.option("--http-pass", default="", help="... and its password.")
@with_appcontext
def enable_webhook(webhook_id: int, http_user: str, http_pass: str) -> None:
    """Turn on a paused webhook (an imported one) from now on; print its signing secret."""
    webhook = Webhook.get_or_none(Webhook.id == webhook_id)
    if webhook is None:
        raise click.BadParameter(f"no webhook {webhook_id}", param_hint="WEBHOOK_ID")
    master = current_app.config["SECRET_KEY"]
    if http_user or http_pass:
        webhook.http_user, webhook.sealed_pass = http_user, seal(http_pass, master)
    # From now on: what happened while it was paused (or before the import) is not sent.
    webhook.status, webhook.failures, webhook.cursor = ACTIVE, 0, last_event_id()
    webhook.save()
    click.echo(f"Webhook {webhook.id} ({webhook.url}) is active.")
    click.echo(f"Signing secret: {unseal(webhook.sealed_secret, master)}")


def writable(path: str | None, hint: str) -> None:
    """Refuse, before anything is read or written, a file the run could not write at its end."""
    folder = os.path.dirname(os.path.abspath(path)) if path else None
    if folder and not (os.path.isdir(folder) and os.access(folder, os.W_OK)):
        raise click.BadParameter(f"cannot write {path}: no such folder, or not writable",
                                 param_hint=hint)


def default_journal(url: str) -> str:
    host = urlsplit(url if "//" in url else f"//{url}").netloc.replace(":", "_") or "source"
    return os.path.join(current_app.instance_path, f"import-{host}.journal")


def print_summary(summary: dict[str, Any]) -> None:
    verbs = ("would create", "would change", "would skip", "would delete", "would fail") if \
        summary["dry_run"] else OUTCOMES
    click.echo(f"{'':<16}" + "".join(f"{verb:>14}" for verb in verbs))
    for kind, counts in summary["counts"].items():
        click.echo(f"{kind:<16}" + "".join(f"{counts[o]:>14}" for o in OUTCOMES))
    deleted: dict[str, list[str]] = {}
    for row in summary["deleted"]:
        deleted.setdefault(row["kind"], []).append(str(row["here"]))
    for kind, ids in deleted.items():
        shown = ", ".join(ids[:SHOWN]) + (f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN
                                          else "")
        click.echo(f"{'would delete' if summary['dry_run'] else 'deleted'} (no longer on the "
                   f"source): {kind} {shown}")
    for failure in summary["failed"]:
        click.echo(f"failed: {failure['kind']} {failure['id']}: {failure['reason']}")
    for note in summary["notes"]:
        click.echo(f"note: {note}")
    for problem in summary["unreadable"]:
        click.echo(f"could not read: {problem}")
    for kind, ids in summary["remapped"].items():
        click.echo(f"new ids for {kind}: " + ", ".join(f"{a} -> {b}" for a, b in ids.items()))
    click.echo(f"{summary['requests']} requests to {summary['source']}")


def write_json(path: str, value: Any) -> None:
    """A file of account data (ids, emails): readable by its owner only (0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(value, out, indent=2, ensure_ascii=False)
        out.write("\n")
