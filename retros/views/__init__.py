"""Pages of the retros app, one module per topic, re-exported here (STYLE.md §1): `retrospectives` (the list, the
editor, the published and printable views) and `configuration` (the org's retro settings: policy, templates and
the contributing-factor taxonomy). Callers import the package: `from retros import views`."""

from retros.views.configuration import (
    contributing_factor_create,
    contributing_factor_delete,
    contributing_factor_update,
    retro_settings,
    retro_template_create,
    retro_template_delete,
    retro_template_update,
)
from retros.views.retrospectives import (
    can_respond,
    detail_context,
    editor_context,
    editor_initial,
    form_errors,
    get_retrospective,
    retro_redirect,
    retrospective_action_item_add,
    retrospective_create,
    retrospective_detail,
    retrospective_edit,
    retrospective_list,
    retrospective_milestones,
    retrospective_print,
    retrospective_transition,
    saved_message,
)

__all__ = [
    "can_respond",
    "contributing_factor_create",
    "contributing_factor_delete",
    "contributing_factor_update",
    "detail_context",
    "editor_context",
    "editor_initial",
    "form_errors",
    "get_retrospective",
    "retro_redirect",
    "retro_settings",
    "retro_template_create",
    "retro_template_delete",
    "retro_template_update",
    "retrospective_action_item_add",
    "retrospective_create",
    "retrospective_detail",
    "retrospective_edit",
    "retrospective_list",
    "retrospective_milestones",
    "retrospective_print",
    "retrospective_transition",
    "saved_message",
]
