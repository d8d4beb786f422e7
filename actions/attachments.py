"""Storing uploaded files and attaching them: used by upload_files, post_project, post_task
and post_comment."""

from __future__ import annotations

import mimetypes
import os
import re
import unicodedata
from collections.abc import Iterable

from flask import after_this_request, current_app, g, has_request_context
from werkzeug.datastructures import FileStorage

from models.comments import Comment
from models.files import File
from models.members import User
from models.projects import Project
from models.storage import Storage, open_storage
from models.tasks import Task
from schemas.envelope import ApiError

NAME_MAX = 255
UNSAFE = re.compile(r'[<>:"|?*]')  # not allowed in file names on Windows, where many save them


class FileTooLarge(ApiError):
    status_code, message = 11, "File is too large"


class UploadInvalid(ApiError):
    status_code, message = 11, "File is not an unattached upload"


def storage() -> Storage:
    """The app's file storage (``FILES_URL``, else ``FILES_DIR``), made once per app: an S3
    client is costly to build and safe to share between threads."""
    where = (current_app.config.get("FILES_URL"), current_app.config["FILES_DIR"])
    made = current_app.extensions.get("taskgate.storage")
    if made is None or made[0] != where:
        made = current_app.extensions["taskgate.storage"] = (where, open_storage(*where))
    return made[1]


def save_attachments(uploads: Iterable[FileStorage], author: User, *,
                     project: Project | None = None, task: Task | None = None,
                     comment: Comment | None = None) -> list[File]:
    """Store uploaded files and record them, attached to at most one of project/task/comment.

    Call it inside the action (its transaction) after the target row exists:
    ``save_attachments(params.get("attach", []), author, task=task)``, where the schema
    declares ``attach = Uploads()`` (``schemas.files``) and ``author`` is the change's author.
    Every part is checked against ``MAX_FILE_SIZE`` before any byte is written (code 11
    ``FileTooLarge`` naming the file); names are sanitised; bytes are stored once per content.
    Blobs written by a request whose rows roll back are removed when the request ends.
    """
    if sum(target is not None for target in (project, task, comment)) > 1:
        raise ValueError("a file is attached to one of project, task or comment")
    parts = [(upload, clean_name(upload.filename), size_of(upload)) for upload in uploads]
    limit = current_app.config["MAX_FILE_SIZE"]
    for _, name, size in parts:
        if size > limit:
            raise FileTooLarge(f"File is too large: the limit is {limit} bytes", details=name)
    return [store(upload, name, author, project=project, task=task, comment=comment)
            for upload, name, _ in parts]


def attach_uploaded(file_ids: Iterable[int], task: Task) -> list[File]:
    """Attach files from ``upload_files`` to a task (post_task's 2026 ``files`` parameter).

    Call it inside post_task after the task exists:
    ``attach_uploaded(params.get("files", []), task)``, where the schema declares
    ``files = FileRefs()`` (``schemas.files``; it loads the client's ``[{"id": "12", ...}]``
    into ids). An id that is unknown or already attached elsewhere is code 11
    ``UploadInvalid`` naming the ids; the uploads keep their uploader as author.
    """
    ids = list(dict.fromkeys(file_ids))
    if not ids:
        return []
    unattached = File.project.is_null() & File.task.is_null() & File.comment.is_null()
    File.update(task=task).where(File.id.in_(ids), unattached).execute()
    files = list(File.select().where(File.id.in_(ids), File.task == task).order_by(File.id))
    missing = sorted(set(ids) - {file.id for file in files})
    if missing:
        raise UploadInvalid(details=",".join(map(str, missing)))
    return files


def store(upload: FileStorage, name: str, author: User, **target: object) -> File:
    upload.stream.seek(0)
    sha256, size, created = storage().save(upload.stream)
    if created:
        forget_if_rolled_back(sha256)
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return File.create(name=name, size=size, sha256=sha256, mimetype=mimetype[:200],
                       author=author, **target)


def size_of(upload: FileStorage) -> int:
    upload.stream.seek(0, os.SEEK_END)
    size = upload.stream.tell()
    upload.stream.seek(0)
    return size


def clean_name(raw: str | None) -> str:
    """A display name safe to save anywhere: no directories, control or bidi characters,
    reserved punctuation or leading dots; at most 255 characters, extension kept."""
    name = unicodedata.normalize("NFC", re.split(r"[\\/]", raw or "")[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf"))
    name = UNSAFE.sub("_", name).strip().lstrip(".").strip()
    if len(name) > NAME_MAX:
        stem, ext = os.path.splitext(name)
        ext = ext if len(ext) <= 16 else ""
        name = stem[:NAME_MAX - len(ext)].rstrip() + ext
    return name or "file"


def forget_if_rolled_back(sha256: str) -> None:
    """Remove this new blob when the request ends unless a committed row refers to it (the
    action failed after storing it, and its transaction rolled the rows back)."""
    if not has_request_context():
        return
    if "new_blobs" not in g:
        g.new_blobs = set()
        after_this_request(drop_orphans)
    g.new_blobs.add(sha256)


def drop_orphans(response):
    rows = File.select(File.sha256).where(File.sha256.in_(list(g.new_blobs)))
    kept = {row.sha256 for row in rows}
    for sha256 in g.new_blobs - kept:
        storage().delete(sha256)
    return response
