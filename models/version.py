"""The version this install runs, read from one place: the checkout's pyproject.toml (the
project runs from its source tree), else the installed package's metadata."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as installed_version
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


@cache
def version() -> str:
    if PYPROJECT.is_file():
        with PYPROJECT.open("rb") as handle:
            return tomllib.load(handle)["project"]["version"]
    try:
        return installed_version("taskgate")
    except PackageNotFoundError:
        return "unknown"
