"""``flask files migrate --to URL``: copy the stored files to another storage (e.g. from the
local directory to S3 before pointing several hosts at the bucket)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from actions.attachments import storage
from models.files import File
from models.storage import Storage, open_storage

files = AppGroup("files", help="Manage the stored files.")


@files.command("migrate")
@click.option("--to", "target_url", required=True, metavar="URL",
              help="s3://bucket/prefix or file:///directory")
def migrate(target_url: str) -> None:
    """Copy every file the database refers to into URL; run it again to resume."""
    source = storage()
    try:
        target = open_storage(target_url, "")
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--to") from None
    digests = [row.sha256 for row in File.select(File.sha256).distinct().order_by(File.sha256)]
    problem = target.problem() if digests else None  # nothing to copy: nothing can fail
    if problem:
        raise click.ClickException(problem)
    outcomes = {"copied": 0, "already there": 0, "missing from the source": 0, "corrupt": 0}
    with click.progressbar(digests, label=f"{source.location} -> {target.location}") as bar:
        for sha256 in bar:
            outcomes[copy_blob(sha256, source, target)] += 1
    click.echo(", ".join(f"{count} {outcome}" for outcome, count in outcomes.items()))
    if outcomes["missing from the source"] or outcomes["corrupt"]:
        raise click.ClickException("some files could not be copied (see above)")
    click.echo(f"Done: set TASKGATE_FILES_URL={target_url} on every host.")


def copy_blob(sha256: str, source: Storage, target: Storage) -> str:
    """Copy one blob unless the target has it; an interrupted copy leaves nothing behind (a
    multipart upload completes or the object does not exist), so a rerun resumes."""
    if target.exists(sha256):
        return "already there"
    blob = source.open(sha256)
    if blob is None:
        return "missing from the source"
    with blob.stream or open(blob.path, "rb") as stream:
        stored, _, _ = target.save(stream)
    if stored != sha256:  # the source's bytes no longer match their name
        target.delete(stored)
        return "corrupt"
    return "copied"
