"""An S3-compatible server for tests: moto's standalone server, run as a subprocess on a free
loopback port, so that the app under test talks real HTTP to it and its memory is not ours."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
               "AWS_DEFAULT_REGION": "us-east-1"}
BUCKET = "taskgate-test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server on port {port} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answered on 127.0.0.1:{port} within {seconds} s")


def start_moto() -> tuple[subprocess.Popen, str]:
    """moto's server on a free port; skips the test when moto[server] is not installed."""
    try:
        import boto3  # noqa: F401
        import moto.server  # noqa: F401
    except ImportError as err:
        pytest.skip(f"the S3 backend needs boto3 and moto[server] (pip install -e '.[test]'): "
                    f"{err}")
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                                "-p", str(port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    wait_for_port(port, process)
    return process, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A running moto server with one bucket; the AWS variables point this process at it."""
    process, endpoint = start_moto()
    saved = {name: os.environ.get(name) for name in [*CREDENTIALS, "AWS_ENDPOINT_URL"]}
    os.environ.update(CREDENTIALS, AWS_ENDPOINT_URL=endpoint)
    try:
        import boto3

        boto3.client("s3").create_bucket(Bucket=BUCKET)
        yield endpoint
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def s3_url(s3_endpoint) -> str:
    """A fresh prefix in the test bucket: ``s3://taskgate-test/<uuid>``."""
    return f"s3://{BUCKET}/{uuid.uuid4().hex}"


def s3_keys(url: str) -> list[str]:
    """Every object under an ``s3://bucket/prefix`` URL, relative to the prefix."""
    import boto3

    parts = urlsplit(url)
    prefix = parts.path.strip("/") + "/"
    pages = boto3.client("s3").get_paginator("list_objects_v2").paginate(
        Bucket=parts.netloc, Prefix=prefix)
    return sorted(item["Key"][len(prefix):] for page in pages for item in page.get("Contents", []))
