"""Where uploaded bytes live: blobs named by their SHA-256, in a local directory
(``ab/cd/<sha256>``, the default) or in an S3-compatible bucket (``models.s3_storage``).

The database keeps names and owners (``models.files.File``); a storage keeps only content, so
the same bytes are stored once. A blob is found from a digest, never from a user-supplied name.
Every backend answers the same four calls: ``save(stream)``, ``open(sha256)``,
``exists(sha256)`` and ``delete(sha256)``; bytes are streamed in and out in chunks.
"""

from __future__ import annotations

import os
import tempfile
from typing import BinaryIO, Protocol

from models.blobs import Blob, blob_name, hash_copy


class Storage(Protocol):
    location: str

    def save(self, stream: BinaryIO) -> tuple[str, int, bool]: ...
    def open(self, sha256: str) -> Blob | None: ...
    def exists(self, sha256: str) -> bool: ...
    def delete(self, sha256: str) -> None: ...
    def problem(self) -> str | None: ...


def open_storage(url: str | None, files_dir: str) -> Storage:
    """The storage a ``FILES_URL`` names: ``s3://bucket/prefix``, ``file:///dir``, or, when
    empty, the directory ``files_dir``."""
    if url and url.startswith("s3://"):
        try:
            from models.s3_storage import S3Storage  # boto3 is an optional extra
        except ImportError as err:
            raise RuntimeError(f"FILES_URL={url} needs boto3: pip install -e '.[s3]'") from err
        return S3Storage.from_url(url)
    if url and not url.startswith("file://"):
        raise ValueError(f"FILES_URL must start with s3:// or file://, not {url!r}")
    return LocalStorage(url[len("file://"):] if url else files_dir)


class LocalStorage:
    """Blobs by content hash under one root directory."""

    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root)
        self.location = self.root

    def problem(self) -> str | None:
        """Why files cannot be kept in this folder, or None (it is made when missing)."""
        try:
            os.makedirs(self.root, exist_ok=True)
        except OSError as err:
            return f"the files folder {self.root} cannot be created: {err.strerror}"
        if not os.access(self.root, os.R_OK | os.W_OK | os.X_OK):
            return f"the files folder {self.root} is not readable and writable by this user"
        return None

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
