"""A 100 MiB file through the S3 backend, up and down, never sits whole in the app's memory.

Measured inside this process with tracemalloc (every Python allocation: the test client's
request, Werkzeug's form parser, the storage, boto3); the S3 server is moto's, in its own
process, so its memory is not counted.
"""

from __future__ import annotations

import hashlib
import io
import tracemalloc

import pytest
from conftest import md5_hash, ok_data, php_query
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

MiB = 1024 * 1024
SIZE = 100 * MiB
BUDGET = 32 * MiB


class Generated(io.RawIOBase):
    """``size`` bytes made up as they are read (never held together), hashed on the way."""

    def __init__(self, size: int) -> None:
        self.left, self.counter, self.digest = size, 0, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = min(len(buffer), self.left)
        block = (self.counter.to_bytes(8, "big") * (count // 8 + 1))[:count]
        buffer[:count] = block
        self.counter += 1
        self.left -= count
        self.digest.update(block)
        return count


def upload(client, source) -> dict:
    """upload_files with a multipart body encoded into a temporary file (which Werkzeug's
    test client would leave open when it encodes one itself)."""
    query = php_query({"action": "upload_files"})
    body, length, boundary = stream_encode_multipart(
        {"files[]": FileStorage(source, filename="big.bin")})
    with body:
        return client.post(f"/api/admin/v2/?{query}&hash={md5_hash(query)}", input_stream=body,
                           content_length=length,
                           content_type=f"multipart/form-data; boundary={boundary}").get_json()


def upload_and_download(client) -> tuple[str, str]:
    source = io.BufferedReader(Generated(SIZE), buffer_size=64 * 1024)
    file_id = ok_data(upload(client, source))[0]["id"]
    query = php_query({"action": "download", "id_file": file_id})
    received = hashlib.sha256()
    with client.get(f"/api/admin/v2/?{query}&hash={md5_hash(query)}",
                    buffered=False) as response:
        assert response.status_code == 200
        assert response.headers["Content-Length"] == str(SIZE)
        for chunk in response.response:
            received.update(chunk)
    return source.raw.digest.hexdigest(), received.hexdigest()


@pytest.mark.bigfile
def test_a_100_mib_file_through_s3_stays_under_32_mib_of_peak_memory(app, api, client, s3_url):
    app.config.update(FILES_URL=s3_url, MAX_CONTENT_LENGTH=SIZE + MiB, MAX_FILE_SIZE=SIZE)
    ok_data(api.post_form("upload_files", files={"files[]": (io.BytesIO(b"warm"), "w.txt")}))
    tracemalloc.start()
    try:
        sent, received = upload_and_download(client)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sent == received
    print(f"peak {peak / MiB:.1f} MiB")
    assert peak < BUDGET, f"peak {peak / MiB:.1f} MiB"
