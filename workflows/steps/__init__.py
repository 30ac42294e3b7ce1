"""Workflow step actions: what a workflow's steps can do (docs/workflows.md, "Actions").

`ACTIONS` maps an action's name to its `StepAction` (registry.py says what an action is); each family lives in
its own module and registers its actions when imported, here: roles (assign_role), paging (page), tasks_notes
(add_tasks, post_note, post_status_update), communication (stakeholder_update, publish_status_page, chat_post),
tickets (create_follow_up), incident_changes (change_severity, change_status), webhook (call_webhook).
`render_template` renders a step's text in the sandboxed template engine (templating.py).
"""

from workflows.steps import (  # noqa: F401 - importing a family registers its actions
    communication,
    incident_changes,
    paging,
    roles,
    tasks_notes,
    tickets,
    webhook,
)
from workflows.steps.registry import ACTIONS, ParamField, StepAction, StepContext, StepOutcome
from workflows.steps.templating import render_template

# The editor lists the actions in this order.
ORDER = (
    "assign_role",
    "page",
    "add_tasks",
    "post_note",
    "post_status_update",
    "stakeholder_update",
    "publish_status_page",
    "chat_post",
    "create_follow_up",
    "call_webhook",
    "change_severity",
    "change_status",
)
_registered = dict(ACTIONS)
ACTIONS.clear()
ACTIONS.update({name: _registered[name] for name in ORDER})
ACTIONS.update(_registered)

__all__ = ["ACTIONS", "ParamField", "StepAction", "StepContext", "StepOutcome", "render_template"]
