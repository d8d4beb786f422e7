"""Every configuration mistake an operator can make at start is one line (``python -m
actions.cli.preflight``, run by ./serve and the image before anything starts)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from actions.cli import preflight
from actions.cli.preflight import SUPPORTED
from models.s3_storage import shared_client

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def start(tmp_path, monkeypatch, capsys):
    """Run the preflight with these settings; return (exit status, stderr)."""
    for name in [n for n in os.environ if n.startswith(("TASKGATE_", "AWS_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("TASKGATE_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("TASKGATE_DATABASE_URL", f"sqlite:///{tmp_path / 'ok.sqlite'}")
    shared_client.cache_clear()  # the S3 client is made once per process, from the settings

    def run(*args: str, **settings: str) -> tuple[int, str]:
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setattr("sys.argv", ["preflight", *args])
        status = preflight.main()
        return status, capsys.readouterr().err

    yield run
    shared_client.cache_clear()


def test_a_good_configuration_passes(start):
    assert start() == (0, "")


@pytest.mark.parametrize(("url", "line"), [
    ("instance/taskgate.sqlite", f"the database URL 'instance/taskgate.sqlite' has no scheme: "
                                 f"use {SUPPORTED}"),
    ("mysql://root@db/tasks", f"database URLs starting mysql:// are not supported: use "
                              f"{SUPPORTED}"),
    ("postgresql://postgres@127.0.0.1:1/x", 'cannot reach the database at 127.0.0.1:1/x: '
                                            'connection to server at "127.0.0.1", port 1 '
                                            'failed: Connection refused'),
])
def test_a_wrong_database_url_is_one_line(start, url, line):
    assert start(TASKGATE_DATABASE_URL=url) == (1, f"Error: {line}\n")


def test_a_missing_driver_is_one_line(start, monkeypatch):
    monkeypatch.setattr("peewee.psycopg", None)
    monkeypatch.setattr("peewee.psycopg2", None)
    monkeypatch.setattr("playhouse.pool.psycopg2", None, raising=False)
    status, err = start(TASKGATE_DATABASE_URL="postgresql://postgres@127.0.0.1:1/x")
    assert status == 1 and err.startswith("Error: the database driver is not installed")
    assert len(err.splitlines()) == 1


def test_an_unreadable_instance_folder_is_one_line(start, tmp_path):
    if os.getuid() == 0:
        pytest.skip("root reads every folder")  # pragma: no cover
    folder = tmp_path / "instance"
    folder.mkdir(mode=0)
    status, err = start()
    assert status == 1 and err.startswith(f"Error: the instance folder {folder} is not readable")


def test_an_instance_folder_owned_by_another_user_is_one_line(start, monkeypatch, tmp_path):
    (tmp_path / "instance").mkdir()
    monkeypatch.setattr(preflight.os, "access", lambda *_: False)
    status, err = start()
    assert status == 1 and err.startswith(f"Error: the instance folder {tmp_path / 'instance'}")
    assert len(err.splitlines()) == 1


def test_a_busy_port_is_one_line(start):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert start("--port", HOST="127.0.0.1", PORT=str(port)) == (
            1, f"Error: cannot listen on 127.0.0.1:{port}: Address already in use (another "
               f"server? set PORT or HOST)\n")


def test_an_unreachable_object_store_is_one_line(start):
    status, err = start(TASKGATE_FILES_URL="s3://taskgate/files",
                        AWS_ENDPOINT_URL="http://127.0.0.1:1", AWS_ACCESS_KEY_ID="a",
                        AWS_SECRET_ACCESS_KEY="b", AWS_DEFAULT_REGION="us-east-1")
    assert status == 1 and err.startswith(
        "Error: the object store at http://127.0.0.1:1 cannot be reached: ")
    assert len(err.splitlines()) == 1


def test_a_files_url_of_another_kind_is_one_line(start):
    assert start(TASKGATE_FILES_URL="ftp://files") == (
        1, "Error: FILES_URL must start with s3:// or file://, not 'ftp://files'\n")


@pytest.mark.parametrize("url", ["taskgate.sqlite", "mysql://x@127.0.0.1/taskgate"])
def test_every_flask_command_says_a_wrong_database_url_in_one_line(tmp_path, url):
    """Not only ./serve's preflight: `flask --app app init-db` run by hand too."""
    env = {**os.environ, "TASKGATE_DATABASE_URL": url, "PYTHONPATH": str(ROOT),
           "TASKGATE_INSTANCE_PATH": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "init-db"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("Error: the database URL")
    assert "postgresql://" in done.stderr
