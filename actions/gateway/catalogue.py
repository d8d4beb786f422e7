"""The actions grouped by resource, in the order of Worksection's documentation."""

from __future__ import annotations

from actions.registry import ACTIONS

RESOURCES: dict[str, tuple[str, ...]] = {
    "members": ("me", "get_users", "add_user", "get_user_groups", "add_user_group",
                "get_users_schedule", "update_users_schedule"),
    "contacts": ("get_contacts", "add_contact", "get_contact_groups", "add_contact_group"),
    "projects": ("get_projects", "get_project", "post_project", "update_project",
                 "close_project", "activate_project", "add_project_members",
                 "delete_project_members", "get_project_groups", "add_project_group",
                 "get_project_custom_fields"),
    "tasks": ("get_all_tasks", "get_tasks", "get_task", "post_task", "update_task",
              "complete_task", "reopen_task", "search_tasks", "subscribe", "unsubscribe",
              "get_task_custom_fields"),
    "comments": ("get_comments", "post_comment"),
    "tags": ("get_task_tags", "add_task_tags", "update_task_tags", "get_task_tag_groups",
             "add_task_tag_groups", "get_project_tags", "add_project_tags",
             "update_project_tags", "get_project_tag_groups", "add_project_tag_groups"),
    "costs": ("get_costs", "get_costs_total", "add_costs", "update_costs", "delete_costs"),
    "timers": ("get_timers", "stop_timer", "get_my_timer", "start_my_timer", "stop_my_timer",
               "delete_my_timer"),
    "files": ("upload_files", "get_files", "download"),
    "events and webhooks": ("get_events", "get_webhooks", "add_webhook", "delete_webhook"),
    "Taskgate extensions": (
        "get_user", "update_user", "enable_user", "disable_user", "update_user_group",
        "delete_user_group", "delete_task", "update_comment", "delete_comment",
        "add_task_custom_field", "update_task_custom_field", "delete_task_custom_field",
        "add_project_custom_field", "update_project_custom_field",
        "delete_project_custom_field", "get_webhook_deliveries", "get_user_group",
        # the peers' (Trudesk, Tasq, UserTasks)
        "get_notices", "post_notice", "update_notice", "delete_notice", "activate_notice",
        "clear_notice", "get_settings", "update_setting", "get_conversations", "get_messages",
        "post_message", "get_task_types", "add_task_type", "update_task_type",
        "delete_task_type", "get_task_priorities", "add_task_priority", "update_task_priority",
        "delete_task_priority", "get_notes", "get_overdue_tasks", "get_tasks_by_uids",
        "create_token",
        # inbound hooks
        "add_inbound_hook", "get_inbound_hooks", "update_inbound_hook", "delete_inbound_hook",
        "get_inbound_hook_calls", "test_inbound_hook",
        # mail
        "get_mail_deliveries"),
}
LEGACY = "legacy names"


def grouped() -> dict[str, list[str]]:
    """Every action under its resource; the legacy aliases last."""
    groups = {group: list(names) for group, names in RESOURCES.items()}
    groups[LEGACY] = sorted(name for name, spec in ACTIONS.items() if name != spec.canonical)
    return groups


def group_of(name: str) -> str:
    return next(group for group, names in grouped().items() if name in names)


def slug(group: str) -> str:
    """The page of a resource under /docs: ``events and webhooks`` → events-and-webhooks."""
    return group.lower().replace(" ", "-")


# The parameters in the order Worksection's documentation lists them (api-*.html); the page
# shows the required ones first, then these, then Taskgate's own (paging, extensions).
DOCUMENTED_ORDER: dict[str, tuple[str, ...]] = {
    "add_user": ("email", "first_name", "last_name", "title", "group", "department", "role"),
    "add_user_group": ("title", "client"),
    "get_users_schedule": ("users", "datestart", "dateend"),
    "add_contact": ("email", "name", "title", "group", "phone", "phone2", "phone3", "phone4",
                    "address", "address2"),
    "get_projects": ("filter", "extra"),
    "get_project": ("id_project", "extra"),
    "post_project": ("title", "email_user_from", "email_manager", "email_user_to", "members",
                     "text", "company", "datestart", "dateend", "max_time", "max_money",
                     "tags", "extra", "options.", "attach"),
    "update_project": ("id_project", "email_manager", "email_user_to", "members", "title",
                       "datestart", "dateend", "max_time", "max_money", "extra", "options.",
                       "tags"),
    "add_project_members": ("id_project", "members"),
    "delete_project_members": ("id_project", "members"),
    "get_all_tasks": ("filter", "extra"),
    "get_tasks": ("id_project", "filter", "extra"),
    "get_task": ("id_task", "filter", "extra"),
    "post_task": ("id_project", "title", "id_parent", "email_user_from", "email_user_to",
                  "priority", "text", "todo", "datestart", "dateend", "subscribe", "hidden",
                  "mention", "max_time", "max_money", "tags", "extra", "attach", "files"),
    "update_task": ("id_task", "email_user_to", "priority", "title", "datestart", "dateend",
                    "dateclosed", "max_time", "max_money", "tags"),
    "search_tasks": ("id_project", "id_task", "email_user_from", "email_user_to", "filter",
                     "status", "extra"),
    "subscribe": ("id_task", "email_user"),
    "unsubscribe": ("id_task", "email_user"),
    "get_comments": ("id_task", "extra"),
    "post_comment": ("id_task", "text", "todo", "email_user_from", "hidden", "mention",
                     "attach"),
    "get_task_tags": ("group", "type", "access"),
    "add_task_tags": ("group", "title"),
    "update_task_tags": ("id_task", "plus", "minus"),
    "get_task_tag_groups": ("type", "access"),
    "add_task_tag_groups": ("type", "access", "title"),
    "get_project_tags": ("group", "type", "access"),
    "add_project_tags": ("group", "title"),
    "update_project_tags": ("id_project", "plus", "minus"),
    "get_project_tag_groups": ("type", "access"),
    "add_project_tag_groups": ("title", "access", "type"),
    "get_costs": ("id_project", "id_task", "datestart", "dateend", "is_timer", "filter"),
    "get_costs_total": ("id_project", "id_task", "datestart", "dateend", "is_timer", "filter",
                        "extra"),
    "add_costs": ("id_task", "time", "money", "is_rate", "email_user_from", "comment", "date"),
    "update_costs": ("id_costs", "time", "money", "is_rate", "comment", "date"),
    "get_files": ("id_project", "id_task"),
    "get_events": ("period", "id_project"),
    "add_webhook": ("url", "events", "projects", "http_user", "http_pass"),
}


def ordered(name: str, keys: list[str], required: set[str]) -> list[str]:
    """The parameter names of an action: required first, then in the documented order, then
    the rest as declared. A name ending in ``.`` stands for every key it begins."""
    documented = DOCUMENTED_ORDER.get(ACTIONS[name].canonical, ())

    def rank(key: str) -> tuple[int, int]:
        place = next((i for i, doc in enumerate(documented)
                      if key == doc or (doc.endswith(".") and key.startswith(doc))),
                     len(documented))
        return (key not in required, place)

    return sorted(keys, key=rank)  # sorted() is stable: ties keep the declared order
