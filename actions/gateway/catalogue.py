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
