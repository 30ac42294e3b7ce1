"""Writes of the retros app, one module per topic, re-exported here (STYLE.md §1): `retrospectives` (open,
edit, review and publish a retrospective), `configuration` (the org's retro policy, templates and contributing
factor taxonomy), `reminders` (the owners' reminder emails); `common` holds their shared helpers.

Callers import the package: `from retros import actions`.
"""

from retros.actions.common import business_days_add, retrospective_path
from retros.actions.configuration import (
    MAX_SECTIONS,
    SETTINGS_FIELDS,
    contributing_factor_create,
    contributing_factor_delete,
    contributing_factor_update,
    retro_defaults_ensure,
    retro_settings_update,
    retro_template_create,
    retro_template_delete,
    retro_template_update,
    sections_clean,
)
from retros.actions.reminders import retrospective_reminders_send
from retros.actions.retrospectives import (
    retrospective_create,
    retrospective_draft,
    retrospective_open_on_resolve,
    retrospective_section_update,
    retrospective_transition,
    retrospective_update,
)

__all__ = [
    "MAX_SECTIONS",
    "SETTINGS_FIELDS",
    "business_days_add",
    "contributing_factor_create",
    "contributing_factor_delete",
    "contributing_factor_update",
    "retro_defaults_ensure",
    "retro_settings_update",
    "retro_template_create",
    "retro_template_delete",
    "retro_template_update",
    "retrospective_create",
    "retrospective_draft",
    "retrospective_open_on_resolve",
    "retrospective_path",
    "retrospective_reminders_send",
    "retrospective_section_update",
    "retrospective_transition",
    "retrospective_update",
    "sections_clean",
]
