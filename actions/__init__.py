"""Importing this package registers every action (one module per resource)."""

from actions import (  # noqa: F401
    comments,
    contacts,
    costs,
    events,
    files,
    members,
    projects,
    search,
    subscriptions,
    tags,
    tasks,
    timers,
    webhooks,
)
