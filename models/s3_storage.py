"""Blobs in an S3-compatible bucket (AWS S3, MinIO, Ceph, ...): ``FILES_URL=s3://bucket/prefix``.

The endpoint, region and credentials come from boto3's usual sources (``AWS_ENDPOINT_URL``,
``AWS_REGION``/``AWS_DEFAULT_REGION``, ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, the
shared config files or an instance role). Objects are named ``<prefix>/ab/cd/<sha256>``.
"""

from __future__ import annotations

import functools
import io
import os
import tempfile
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from models.blobs import CHUNK, Blob, blob_name, hash_copy

PART = 5 * 1024 * 1024
MISSING = {"404", "NoSuchKey", "NotFound"}


def transfer_config() -> TransferConfig:
    """Multipart uploads of 5 MiB parts (S3's smallest), at most two in memory at a time."""
    config = TransferConfig(multipart_threshold=PART, multipart_chunksize=PART,
                            max_concurrency=2)
    config.max_in_memory_upload_chunks = 2  # s3transfer's default of 10 would hold 50 MiB
    return config


class S3Storage:
    """Blobs by content hash in one bucket, under one key prefix."""

    def __init__(self, bucket: str, prefix: str = "", client: Any = None) -> None:
        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.location = f"s3://{bucket}/{self.prefix}".rstrip("/")
        self.client = client or shared_client()
        self.transfer = transfer_config()

    @classmethod
    def from_url(cls, url: str) -> S3Storage:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"not an s3://bucket/prefix URL: {url!r}")
        return cls(parts.netloc, parts.path)

    def problem(self) -> str | None:
        """Why this bucket cannot be used (missing, unreachable, refused), or None."""
        endpoint = self.client.meta.endpoint_url
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as err:
            if missing(err) or str(err.response.get("Error", {}).get("Code")) == "404":
                return f"the bucket {self.bucket!r} does not exist at {endpoint}: create it"
            return f"the bucket {self.bucket!r} at {endpoint} refuses access: {err}"
        except (BotoCoreError, ValueError) as err:
            return f"the object store at {endpoint} cannot be reached: {err}"
        return None

    def key(self, sha256: str) -> str:
        name = blob_name(sha256)
        return f"{self.prefix}/{name}" if self.prefix else name

    def exists(self, sha256: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        except ClientError as err:
            if missing(err):
                return False
            raise
        except ValueError:
            return False
        return True

    def open(self, sha256: str) -> Blob | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))
        except ClientError as err:
            if missing(err):
                return None
            raise
        except ValueError:
            return None
        return Blob(None, answer["Body"], answer["ContentLength"])

    def save(self, stream: BinaryIO) -> tuple[str, int, bool]:
        """Store a stream's bytes; return (sha256, size, whether the blob is new).

        The bytes are hashed on their way into a spooled temporary file (in memory up to
        1 MiB, then on disk), then sent from it: whole when small, else in parts.
        """
        with tempfile.SpooledTemporaryFile(max_size=CHUNK) as spool:
            sha256, size = hash_copy(stream, spool)
            if self.exists(sha256):
                return sha256, size, False
            spool.seek(0)
            self.put(sha256, spool)
            return sha256, size, True

    def put(self, sha256: str, stream: BinaryIO | io.BufferedIOBase) -> None:
        self.client.upload_fileobj(stream, self.bucket, self.key(sha256), Config=self.transfer)

    def delete(self, sha256: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(sha256))


@functools.cache
def shared_client() -> Any:
    """One client per process: building one costs tens of milliseconds, and it is thread-safe."""
    style = os.environ.get("TASKGATE_S3_ADDRESSING_STYLE", "auto")
    return boto3.client("s3", config=Config(s3={"addressing_style": style}))


def missing(err: ClientError) -> bool:
    return str(err.response.get("Error", {}).get("Code")) in MISSING
