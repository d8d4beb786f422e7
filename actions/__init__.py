"""Importing this package registers every action (one module per resource)."""

from actions import contacts, members  # noqa: F401
