"""What every file storage shares: blob names from digests, hashing while copying, and the
blob a storage opens for reading."""

from __future__ import annotations

import hashlib
import re
from typing import BinaryIO, NamedTuple

SHA256 = re.compile(r"[0-9a-f]{64}")
CHUNK = 1024 * 1024


class Blob(NamedTuple):
    """A stored blob opened for reading: a local ``path``, or an open ``stream`` of ``size``
    bytes that the reader closes."""

    path: str | None
    stream: BinaryIO | None
    size: int


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
