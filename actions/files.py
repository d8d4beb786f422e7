"""Files: uploads (2026 clients), listings of a project's or a task's files, downloads."""

from __future__ import annotations

from actions.attachments import save_attachments, storage
from actions.caller import acting_user
from actions.lookups import (
    file_or_fail,
    project_or_fail,
    task_or_fail,
    visible_comments,
    visible_tasks,
)
from actions.registry import action
from models.comments import Comment
from models.files import File
from models.members import User
from models.tasks import Task
from schemas.envelope import ApiError, Download, TaskInvalid
from schemas.files import (
    FILE_COLUMNS,
    DownloadIn,
    GetFilesIn,
    UploadedFileOut,
    UploadFilesIn,
    file_rows,
)
from schemas.paging import listing

uploaded_out = UploadedFileOut(many=True)


class FileNotFound(ApiError):
    status_code, message = 4, "File not found"


@action(UploadFilesIn, writes=True)
def upload_files(params):
    """Upload files to attach to a task later (post_task ``files``)."""
    return uploaded_out.dump(save_attachments(params["files"], acting_user()))


@action(GetFilesIn)
def get_files(params):
    """Get the files of a project (all of it) or of a task (description and comments)."""
    project = project_or_fail(params["id_project"]) if "id_project" in params else None
    if "id_task" not in params:
        return files_listing(project_files(project), params)
    task = task_or_fail(params["id_task"])
    if project is not None and task.project_id != project.id:
        raise TaskInvalid()
    return files_listing(task_files(task), params)


@action(DownloadIn)
def download(params):
    """Download a file: its raw bytes."""
    file = file_or_fail(params["id_file"], FileNotFound)
    blob = storage().open(file.sha256)
    if blob is None:
        raise FileNotFound()
    return Download(blob.path, file.name, blob.stream, blob.size if blob.stream else None)


def project_files(project):
    """A project's Files section: its description's files and those of its tasks' comments
    and descriptions, at any depth."""
    tasks = visible_tasks(Task.select(Task.id).where(Task.project == project))
    comments = visible_comments(Comment.select(Comment.id).where(Comment.task.in_(tasks)))
    return (File.project == project) | File.task.in_(tasks) | File.comment.in_(comments)


def task_files(task):
    """A task's files: its description's and its comments' (not its subtasks')."""
    comments = visible_comments(Comment.select(Comment.id).where(Comment.task == task))
    return (File.task == task) | File.comment.in_(comments)


def files_listing(where, params):
    return listing(File.select().where(where), params, (File.id,), file_rows,
                   rows=lambda query: query.select(*FILE_COLUMNS).join(User).tuples())
