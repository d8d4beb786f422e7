"""``flask files migrate --to URL``: every stored file copied across, resumable."""

from __future__ import annotations

import hashlib
import io
import os

import pytest
from s3_kit import s3_keys
from werkzeug.datastructures import FileStorage

from actions.attachments import save_attachments, storage
from models.files import File
from models.members import User
from models.storage import open_storage

CONTENTS = [b"brief", b"logo", b"brief", os.urandom(6 * 1024 * 1024)]  # one over a part


def blob_names(contents) -> list[str]:
    digests = {hashlib.sha256(data).hexdigest() for data in contents}
    return sorted(f"{d[:2]}/{d[2:4]}/{d}" for d in digests)


@pytest.fixture
def stored(app):
    with app.test_request_context():
        save_attachments([FileStorage(io.BytesIO(data), filename=f"{i}.bin")
                          for i, data in enumerate(CONTENTS)], User.owner())


def migrate(app, url):
    result = app.test_cli_runner().invoke(args=["files", "migrate", "--to", url])
    return result.exit_code, result.output


def test_migrate_to_s3_copies_every_file_once_and_resumes(app, stored, s3_url):
    code, output = migrate(app, s3_url)
    assert code == 0, output
    assert "3 copied, 0 already there, 0 missing from the source, 0 corrupt" in output
    assert f"set TASKGATE_FILES_URL={s3_url} on every host" in output
    assert s3_keys(s3_url) == blob_names(CONTENTS)
    open_storage(s3_url, "").delete(hashlib.sha256(b"logo").hexdigest())  # as if interrupted
    code, output = migrate(app, s3_url)
    assert "1 copied, 2 already there" in output
    app.config["FILES_URL"] = s3_url
    with app.app_context():
        for file in File.select():
            with storage().open(file.sha256).stream as body:
                assert hashlib.sha256(body.read()).hexdigest() == file.sha256


def test_migrate_reports_missing_and_corrupt_blobs(app, stored, tmp_path):
    with app.app_context():
        source = storage()
        source.delete(hashlib.sha256(b"logo").hexdigest())
        with open(source.path(hashlib.sha256(b"brief").hexdigest()), "wb") as blob:
            blob.write(b"tampered")
    code, output = migrate(app, f"file://{tmp_path / 'copy'}")
    assert code == 1
    assert "1 copied, 0 already there, 1 missing from the source, 1 corrupt" in output
    assert "some files could not be copied" in output
    copied = [os.path.relpath(os.path.join(folder, name), tmp_path / "copy")
              for folder, _, names in os.walk(tmp_path / "copy") for name in names]
    assert copied == blob_names(CONTENTS[3:])


def test_migrate_refuses_an_unknown_url(app):
    code, output = migrate(app, "ftp://example.com/files")
    assert code == 2
    assert "FILES_URL must start with s3:// or file://" in output


def test_migrate_to_a_missing_bucket_is_one_line(app, stored, s3_endpoint):
    code, output = migrate(app, "s3://no-such-bucket/files")
    assert code == 1
    assert output.startswith("Error: the bucket 'no-such-bucket' does not exist at http")
    assert output.endswith(": create it\n") and len(output.splitlines()) == 1
