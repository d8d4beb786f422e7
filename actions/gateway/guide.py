"""``/guide/``: the guide site that ``flask docs build`` wrote into the instance folder, so
that an install carries its own manual, offline."""

from __future__ import annotations

import os

from flask import Blueprint, current_app, redirect, send_from_directory
from werkzeug.exceptions import NotFound

from schemas.envelope import ApiError

bp = Blueprint("guide", __name__)


class GuideNotBuilt(ApiError):
    status_code, message, http_status = 404, "The guide is not built here", 404


def site_dir() -> str:
    return os.path.join(current_app.instance_path, "guide")


@bp.get("/guide")
def guide_root():
    return redirect("guide/", code=301)


@bp.get("/guide/", defaults={"path": ""})
@bp.get("/guide/<path:path>")
def guide(path: str):
    """A file of the built site; a folder answers its index.html, as MkDocs links expect."""
    root = site_dir()
    if not os.path.isfile(os.path.join(root, "index.html")):
        raise GuideNotBuilt(details="run: flask --app app docs build")
    if path == "" or path.endswith("/"):
        path += "index.html"
    try:
        return send_from_directory(root, path)
    except NotFound:
        if os.path.isdir(os.path.join(root, path)):
            return redirect(f"{path.rsplit('/', 1)[-1]}/", code=301)
        raise
