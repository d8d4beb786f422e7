"""``flask import-from``: bring a whole account over from a server that speaks the
Worksection admin API (Worksection itself, or another Taskgate), ids kept."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import with_appcontext

from actions.importer import ImportRefused, SourceClient, run_import
from actions.importer.source import SourceDown
from models.keys import seal, unseal
from models.storage import open_storage
from models.webhooks import ACTIVE, Webhook, last_event_id

OUTCOMES = ("created", "updated", "skipped", "failed")


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
@click.option("--remap", "remap_file", type=click.Path(dir_okay=False),
              help="Give new ids where the source's cannot be kept, and write them to FILE.")
@click.option("--dry-run", is_flag=True, help="Print what would be created, changed and "
                                              "skipped; write nothing.")
@click.option("--summary", "summary_file", type=click.Path(dir_okay=False),
              help="Also write the summary as JSON to FILE.")
@click.option("--journal", type=click.Path(dir_okay=False),
              help="Where answers are kept until the import completes (default: in the "
                   "instance folder, named after the source).")
@with_appcontext
def import_from(url: str, key: str | None, oauth_token: str | None, rate: float,
                backoff: float, remap_file: str | None, dry_run: bool,
                summary_file: str | None, journal: str | None) -> None:
    """Import a whole account from URL through its API (read only), ids kept."""
    if bool(key) == bool(oauth_token):
        raise click.UsageError("give either --key or --oauth-token")
    client = SourceClient(url, key=key, token=oauth_token, rate=rate, backoff=backoff,
                          journal=journal or default_journal(url))
    config, unreadable = current_app.config, []
    try:
        ledger = run_import(client, open_storage(config.get("FILES_URL"), config["FILES_DIR"]),
                            config["SECRET_KEY"],
                            remap=bool(remap_file), dry_run=dry_run, progress=progress_bar,
                            unreadable=unreadable)
    except ImportRefused as refused:
        click.echo("Nothing was written: these ids cannot be kept here "
                   "(run again with --remap FILE to give them new ids):", err=True)
        for reason in refused.reasons:
            click.echo(f"  {reason}", err=True)
        sys.exit(2)
    except SourceDown as err:
        click.echo(f"Interrupted: {err}. What was read and written is kept: run the same "
                   "command again to continue.", err=True)
        sys.exit(1)
    summary = {**ledger.summary(unreadable), "dry_run": dry_run,
               "requests": client.requests}
    print_summary(summary)
    if remap_file and summary["remapped"] and not dry_run:
        write_json(remap_file, summary["remapped"])
    if summary_file:
        write_json(summary_file, summary)


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


def default_journal(url: str) -> str:
    host = urlsplit(url if "//" in url else f"//{url}").netloc.replace(":", "_") or "source"
    return os.path.join(current_app.instance_path, f"import-{host}.journal")


def progress_bar(label: str, items: Iterable[Any]) -> Iterable[Any]:
    items = list(items)
    with click.progressbar(items, label=f"{label:<16}", show_pos=True, show_eta=True,
                           file=sys.stderr) as bar:
        yield from bar


def print_summary(summary: dict[str, Any]) -> None:
    verbs = ("would create", "would change", "would skip", "would fail") if summary[
        "dry_run"] else OUTCOMES
    click.echo(f"{'':<16}" + "".join(f"{verb:>14}" for verb in verbs))
    for kind, counts in summary["counts"].items():
        click.echo(f"{kind:<16}" + "".join(f"{counts[o]:>14}" for o in OUTCOMES))
    for failure in summary["failed"]:
        click.echo(f"failed: {failure['kind']} {failure['id']}: {failure['reason']}")
    for problem in summary["unreadable"]:
        click.echo(f"could not read: {problem}")
    for kind, ids in summary["remapped"].items():
        click.echo(f"new ids for {kind}: " + ", ".join(f"{a} -> {b}" for a, b in ids.items()))
    click.echo(f"{summary['requests']} requests to {summary['source']}")


def write_json(path: str, value: Any) -> None:
    with open(path, "w", encoding="utf-8") as out:
        json.dump(value, out, indent=2, ensure_ascii=False)
        out.write("\n")
