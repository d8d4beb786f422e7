"""Input and output schemas of files: uploads, references to uploaded files, file listings."""

from __future__ import annotations

import os
from typing import Any

from marshmallow import ValidationError, fields, validates_schema
from werkzeug.datastructures import FileStorage

from models.files import File
from schemas.base import Id, Out, Params, StrId, datetime_out, split_list
from schemas.envelope import FieldRequired
from schemas.members import PERSON, person, user_ref
from schemas.paging import PagedIn


class Uploads(fields.Field):
    """Multipart file parts (``attach[n]``, ``files[]``); empty parts of a form are skipped."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[FileStorage]:
        items = value if isinstance(value, list) else [value]
        if not all(isinstance(item, FileStorage) for item in items):
            raise ValidationError("must be files sent as multipart/form-data parts")
        return [item for item in items if item.filename or not at_end(item)]


def at_end(upload: FileStorage) -> bool:
    """True when the part has no bytes left to read (a form's empty file input)."""
    position = upload.stream.tell()
    upload.stream.seek(0, os.SEEK_END)
    end = upload.stream.tell()
    upload.stream.seek(position)
    return end == position


class FileRefs(fields.Field):
    """Files from ``upload_files`` given to ``post_task``: the objects it returned
    (``[{"id": "12", "name": ...}]``), or their ids as a list or a comma-separated string."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[int]:
        items = value if isinstance(value, list) else [value]
        ids = [item.get("id") if isinstance(item, dict) else item for item in items]
        if any(isinstance(i, (dict, list, bool)) or i is None for i in ids):
            raise ValidationError("must be files returned by upload_files, or their ids")
        texts = split_list(ids)
        if not all(text.isdigit() and int(text) > 0 for text in texts):
            raise ValidationError("must be files returned by upload_files, or their ids")
        return list(dict.fromkeys(int(text) for text in texts))


class UploadFilesIn(Params):
    files = Uploads(required=True)

    @validates_schema
    def not_empty(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("files"):
            raise FieldRequired(details="files")


class GetFilesIn(PagedIn):
    id_project = Id()
    id_task = Id()

    @validates_schema
    def project_or_task(self, data: dict[str, Any], **_: Any) -> None:
        if "id_project" not in data and "id_task" not in data:
            raise FieldRequired(details="id_project")


class DownloadIn(Params):
    id_file = Id(required=True)


class FileOut(Out):
    id = StrId()
    page = fields.String()
    name = fields.String()
    size = fields.Function(lambda file: str(file.size))
    date_added = fields.Function(lambda file: datetime_out(file.date_added))
    user_from = fields.Function(lambda file: user_ref(file.author))


# get_files, read as tuples: the columns ``file_row`` unpacks, in this order.
FILE_COLUMNS = (File.id, File.name, File.size, File.date_added, *PERSON)


def file_rows(rows: list[tuple]) -> list[dict[str, Any]]:
    """Files as :class:`FileOut` writes them, from :data:`FILE_COLUMNS` tuples."""
    return [file_row(row) for row in rows]


def file_row(row: tuple) -> dict[str, Any]:
    id_, name, size, added, *user = row[:len(FILE_COLUMNS)]
    return {"id": str(id_), "page": f"/download/{id_}/", "name": name, "size": str(size),
            "date_added": datetime_out(added), "user_from": person(*user)}


class UploadedFileOut(Out):
    id = StrId()
    ext = fields.Function(lambda file: extension(file.name))
    name = fields.String()


def extension(name: str) -> str:
    """``report.PDF`` → ``pdf``; no extension → ``""``."""
    stem, ext = os.path.splitext(name)
    return ext[1:].lower() if stem else ""
