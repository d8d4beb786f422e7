"""``python -m actions.cli.preflight``: the checks ./serve and the image run before starting,
each mistake an operator can make told in one line (``Error: ...``, exit status 1): an
unreadable instance folder, a database URL without a scheme or with one Taskgate does not
support, a missing driver, an unreachable database, a missing bucket or object store, a
port already in use."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from urllib.parse import urlsplit

from flask.cli import ScriptInfo
from peewee import ImproperlyConfigured, InterfaceError, OperationalError

from models.base import SUPPORTED_URLS as SUPPORTED

DRIVERS = {"postgres": "psycopg 3 (pip install 'psycopg[binary]')"}


class Problem(Exception):
    """A configuration mistake, in one line."""


def instance_problem(path: Path) -> str | None:
    if path.exists() and not os.access(path, os.R_OK | os.W_OK | os.X_OK):
        return (f"the instance folder {path} is not readable and writable by this user "
                f"(uid {os.getuid()}): chown it to that user or set TASKGATE_INSTANCE_PATH")
    return None


def url_problem(url: str) -> str | None:
    scheme = urlsplit(url).scheme
    if not scheme or "://" not in url:
        return f"the database URL {url!r} has no scheme: use {SUPPORTED}"
    if scheme not in {"sqlite", "postgres", "postgresql"}:
        return f"database URLs starting {scheme}:// are not supported: use {SUPPORTED}"
    return None


def load_app():
    """The app as ./serve runs it (as ``flask --app app`` finds it); a mistake in its
    configuration raises ``Problem``."""

    root = os.environ.get("TASKGATE_INSTANCE_PATH") or str(Path(__file__).parents[2] / "instance")
    problem = instance_problem(Path(root))
    if problem:
        raise Problem(problem)
    try:
        return ScriptInfo(app_import_path="app").load_app()
    except PermissionError as err:
        raise Problem(f"{err.filename} cannot be read or written: {err.strerror} "
                      f"(uid {os.getuid()})") from None
    except SystemExit as err:  # the app factory's one line (an unsupported database URL)
        url = os.environ.get("TASKGATE_DATABASE_URL", "?")
        raise Problem(url_problem(url) or str(err).removeprefix("Error: ")) from None
    except ImproperlyConfigured as err:
        driver = next((d for k, d in DRIVERS.items() if k in str(err).lower()), "its driver")
        raise Problem(f"the database driver is not installed: {driver}") from None


def check_app(app) -> None:
    from actions.cli.databases import first_line
    from actions.cli.install import db_location
    from models.base import db
    from models.storage import open_storage

    problem = url_problem(app.config["DATABASE_URL"])
    if problem:
        raise Problem(problem)
    with app.app_context():
        try:
            db.connect(reuse_if_open=True)
            db.close()
        except ImproperlyConfigured as err:
            raise Problem(f"the database driver is not installed: {err}") from None
        except (OperationalError, InterfaceError) as err:
            where = db_location(app.config["DATABASE_URL"])
            raise Problem(f"cannot reach the database at {where}: {first_line(err)}") from None
        try:
            storage = open_storage(app.config["FILES_URL"], app.config["FILES_DIR"])
        except (ValueError, RuntimeError) as err:
            raise Problem(str(err)) from None
        problem = storage.problem()
    if problem:
        raise Problem(problem)


def port_problem(bind: str) -> str | None:
    """Why gunicorn could not listen on ``host:port``, found before it starts."""
    if bind.startswith(("unix:", "fd://")):
        return None
    host, _, port = bind.rpartition(":")
    host = host.strip("[]") or "0.0.0.0"
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, int(port)))
        except OSError as err:
            return (f"cannot listen on {host}:{port}: {err.strerror} (another server? set "
                    f"PORT or HOST)")
        except ValueError:
            return f"{bind!r} is not host:port"
    return None


def main() -> int:
    os.environ["TASKGATE_WEBHOOK_WORKER"] = "false"  # a check, not a server: no sender thread
    try:
        check_app(load_app())
        if "--port" in sys.argv:
            bind = os.environ.get("TASKGATE_BIND") or (
                f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}")
            problem = port_problem(bind)
            if problem:
                raise Problem(problem)
    except Problem as err:
        print(f"Error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
