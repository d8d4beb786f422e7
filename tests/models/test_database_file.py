"""The SQLite database holds the account's data: its file, -wal and -shm are created 0600,
whatever the umask."""

from __future__ import annotations

import os
import stat

from app import create_app
from models.base import db
from models.install import ensure_install


def test_the_sqlite_file_and_its_wal_and_shm_are_private(tmp_path):
    path = tmp_path / "new.sqlite"
    old = os.umask(0o022)
    try:
        app = create_app({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "s",
                          "API_KEY": "k" * 32, "WEBHOOK_WORKER": False})
        with app.app_context():
            ensure_install("s", "owner@example.com", "k" * 32)
            files = [path, path.with_name("new.sqlite-wal"), path.with_name("new.sqlite-shm")]
            assert all(f.exists() for f in files)
            assert {f.name: oct(stat.S_IMODE(f.stat().st_mode)) for f in files} == {
                f.name: "0o600" for f in files}
    finally:
        os.umask(old)
        db.obj.close_all()


def test_a_database_in_a_missing_folder_still_fails_on_first_use_only(tmp_path):
    create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'no' / 'x.sqlite'}", "SECRET_KEY": "s",
                "WEBHOOK_WORKER": False})
    assert not (tmp_path / "no").exists()
