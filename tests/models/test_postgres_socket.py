"""A URL that names the server's Unix socket folder (``?host=/folder``) connects through it, as
docs/production.md tells an install whose PostgreSQL runs on the same host."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import pytest
from peewee import OperationalError

from models.base import connect_database, db


def test_a_url_naming_the_socket_folder_connects_through_the_socket(postgres, database_url):
    folder = db.execute_sql("SHOW unix_socket_directories").fetchone()[0].split(",")[0].strip()
    if not folder or not os.path.isdir(folder):
        pytest.skip(f"PostgreSQL's socket folder {folder!r} is not on this host")
    parts = urlsplit(database_url)
    credentials = parts.netloc.rpartition("@")[0]
    as_documented = parts._replace(netloc=f"{credentials}@", query=f"host={folder}")
    beside_a_tcp_host = parts._replace(query=f"host={folder}")  # the folder wins
    for url in map(urlunsplit, (as_documented, beside_a_tcp_host)):
        database = connect_database(url)
        try:
            try:
                database.connect()
            except OperationalError as error:  # the server's rules for local connections
                if "authentication" not in str(error):
                    raise
                pytest.skip(f"PostgreSQL refuses this user on its socket: {error}")
            assert database.execute_sql("SELECT 1").fetchone() == (1,)
            assert database.connection().info.host == folder, url
        finally:
            database.close_all()
