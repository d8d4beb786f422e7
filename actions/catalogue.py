"""Importing this module registers every action: one import per resource module.

It is not the package's ``__init__``: schemas import ``actions.envelope``, and a package
``__init__`` that imported the resources (which import the schemas) would make importing any
schema first a circular import."""

from actions import (  # noqa: F401
    comments,
    contacts,
    costs,
    custom_fields,
    events,
    files,
    members,
    projects,
    schedule,
    search,
    subscriptions,
    tags,
    tasks,
    timers,
    user,
    webhooks,
)
