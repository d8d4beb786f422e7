"""Where uploaded bytes live: blobs named by their SHA-256, in a local directory
(``ab/cd/<sha256>``, the default) or in an S3-compatible bucket (``models.s3_storage``).

The database keeps names and owners (``models.files.File``); a storage keeps only content, so
the same bytes are stored once. A blob is found from a digest, never from a user-supplied name.
Every backend answers the same four calls: ``save(stream)``, ``open(sha256)``,
``exists(sha256)`` and ``delete(sha256)``; bytes are streamed in and out in chunks.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from typing import BinaryIO, NamedTuple, Protocol

SHA256 = re.compile(r"[0-9a-f]{64}")
CHUNK = 1024 * 1024


class Blob(NamedTuple):
    """A stored blob opened for reading: a local ``path``, or an open ``stream`` of ``size``
    bytes that the reader closes."""

    path: str | None
    stream: BinaryIO | None
    size: int


class Storage(Protocol):
    location: str

    def save(self, stream: BinaryIO) -> tuple[str, int, bool]: ...
    def open(self, sha256: str) -> Blob | None: ...
    def exists(self, sha256: str) -> bool: ...
    def delete(self, sha256: str) -> None: ...


def open_storage(url: str | None, files_dir: str) -> Storage:
    """The storage a ``FILES_URL`` names: ``s3://bucket/prefix``, ``file:///dir``, or, when
    empty, the directory ``files_dir``."""
    if url and url.startswith("s3://"):
        from models.s3_storage import S3Storage  # boto3 is an optional extra

        return S3Storage.from_url(url)
    if url and not url.startswith("file://"):
        raise ValueError(f"FILES_URL must start with s3:// or file://, not {url!r}")
    return LocalStorage(url[len("file://"):] if url else files_dir)


def blob_name(sha256: str) -> str:
    """``ab/cd/<sha256>``; ``ValueError`` for anything but a digest."""
    if not SHA256.fullmatch(sha256):
        raise ValueError(f"not a SHA-256 digest: {sha256!r}")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def hash_copy(stream: BinaryIO, out: BinaryIO) -> tuple[str, int]:
    """Copy ``stream`` into ``out`` in chunks; return the bytes' sha256 and their count."""
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        out.write(chunk)
    return digest.hexdigest(), size


class LocalStorage:
    """Blobs by content hash under one root directory."""

    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root)
        self.location = self.root

    def path(self, sha256: str) -> str:
        """The blob's path; ``ValueError`` for anything but a digest or a path outside root."""
        path = os.path.realpath(os.path.join(self.root, blob_name(sha256)))
        if os.path.commonpath([self.root, path]) != self.root:
            raise ValueError(f"blob path leaves the storage directory: {path}")
        return path

    def find(self, sha256: str) -> str | None:
        """The path of a stored blob; None when it is missing or the digest is not one."""
        try:
            path = self.path(sha256)
        except ValueError:
            return None
        return path if os.path.isfile(path) else None

    def open(self, sha256: str) -> Blob | None:
        path = self.find(sha256)
        return None if path is None else Blob(path, None, os.path.getsize(path))

    def exists(self, sha256: str) -> bool:
        return self.find(sha256) is not None

    def save(self, stream: BinaryIO) -> tuple[str, int, bool]:
        """Store a stream's bytes; return (sha256, size, whether the blob is new)."""
        spool = os.path.join(self.root, "tmp")
        os.makedirs(spool, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=spool)
        try:
            with os.fdopen(fd, "wb") as out:
                sha256, size = hash_copy(stream, out)
            target = self.path(sha256)
            if os.path.exists(target):
                return sha256, size, False
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.replace(temp, target)  # atomic: a reader never sees half a blob
            return sha256, size, True
        finally:
            if os.path.exists(temp):
                os.remove(temp)

    def delete(self, sha256: str) -> None:
        try:
            os.remove(self.path(sha256))
        except FileNotFoundError:
            pass
