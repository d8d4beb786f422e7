"""Export and import of a large account, to show that time grows with the rows and memory
does not.

    python bench/bench_transfer.py [--tasks 100000] [--to postgresql://...]

Fills a SQLite install with TASKS tasks (and one event each), exports it, imports the export
into a fresh database (SQLite, or the PostgreSQL URL given, which is emptied), and prints
rows/s and the peak memory the Python heap reached in each step (tracemalloc), next to the
export file's size. Each step runs twice: timed, then under tracemalloc.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from peewee import chunked  # noqa: E402

from app import create_app  # noqa: E402
from models import all_models  # noqa: E402
from models.base import db, now  # noqa: E402
from models.events import Event  # noqa: E402
from models.install import ensure_install  # noqa: E402
from models.loading import import_account  # noqa: E402
from models.members import User  # noqa: E402
from models.projects import Project  # noqa: E402
from models.storage import Storage  # noqa: E402
from models.tasks import Task  # noqa: E402
from models.transfer import export_account  # noqa: E402


def fill(tasks: int) -> None:
    owner = User.owner()
    project = Project.create(name="Big", author=owner)
    moment = now()
    for ids in chunked(range(1, tasks + 1), 500):
        with db.atomic():
            Task.insert_many([{"project": project, "name": f"Task {n}", "author": owner,
                               "text": "x" * 200, "date_added": moment} for n in ids]).execute()
            Event.insert_many([{"user": owner, "action": "post", "object_type": "task",
                                "object_id": n, "page": f"/project/{project.id}/{n}/",
                                "project_id": project.id, "task_id": n, "new": "{}",
                                "date_added": moment} for n in ids]).execute()


def measured(label: str, rows: int, step) -> None:
    """Time the step, then run it again under tracemalloc (which slows it several times)
    for its peak memory."""
    started = time.perf_counter()
    step()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{label:8} {rows / seconds:>8,.0f} rows/s {seconds:6.1f} s"
          f"  peak {peak / 2**20:5.1f} MiB")


def write_export(path: str, files: Storage) -> None:
    with open(path, "w") as out:
        export_account(out, files)


def read_export(path: str, files: Storage) -> None:
    with open(path) as lines:
        import_account(lines, files, force=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--to", default=None, help="a PostgreSQL URL to import into")
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    config = {"TESTING": True, "SECRET_KEY": "bench", "API_KEY": None,
              "OWNER_EMAIL": "owner@example.com", "FILES_DIR": os.path.join(folder, "files")}
    source = create_app({**config, "DATABASE_URL": f"sqlite:///{folder}/source.sqlite"})
    export = os.path.join(folder, "account.jsonl")
    with source.app_context():
        ensure_install("bench", "owner@example.com")
        fill(args.tasks)
        rows = sum(model.select().count() for model in all_models())
        measured("export", rows, lambda: write_export(export, Storage(config["FILES_DIR"])))
    print(f"{rows:,} rows, export file {os.path.getsize(export) / 2**20:.1f} MiB")
    target = create_app({**config, "DATABASE_URL": args.to or f"sqlite:///{folder}/t.sqlite"})
    with target.app_context():
        ensure_install("bench", "owner@example.com")
        measured("import", rows, lambda: read_export(export, Storage(folder)))


if __name__ == "__main__":
    main()
