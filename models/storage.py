"""Where uploaded bytes live: a directory of blobs named by their SHA-256 (``ab/cd/<sha256>``).

The database keeps names and owners (``models.files.File``); this keeps only content, so the
same bytes are stored once. A blob is found from a digest, never from a user-supplied name.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from typing import BinaryIO

SHA256 = re.compile(r"[0-9a-f]{64}")
CHUNK = 1024 * 1024


class Storage:
    """Blobs by content hash under one root directory."""

    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root)

    def path(self, sha256: str) -> str:
        """The blob's path; ``ValueError`` for anything but a digest or a path outside root."""
        if not SHA256.fullmatch(sha256):
            raise ValueError(f"not a SHA-256 digest: {sha256!r}")
        path = os.path.realpath(os.path.join(self.root, sha256[:2], sha256[2:4], sha256))
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

    def save(self, stream: BinaryIO) -> tuple[str, int, bool]:
        """Store a stream's bytes; return (sha256, size, whether the blob is new)."""
        spool = os.path.join(self.root, "tmp")
        os.makedirs(spool, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        fd, temp = tempfile.mkstemp(dir=spool)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
            sha256 = digest.hexdigest()
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
