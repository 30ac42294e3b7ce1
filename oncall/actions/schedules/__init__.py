"""Writes of schedules, one module per topic, re-exported here (STYLE.md §1): `editing` (schedules and their
layers, i.e. rotations), `overrides`, `feeds` (calendar feed links) and `handoffs` (hand-off notices); `validation`
holds the checks they share.

Every person a client names (layer participants, override users) must be a member of the schedule's org.
Role checks happen in the views and the API: admins manage schedules and layers, responders overrides.
Callers import the module: `from oncall.actions import schedules as schedule_actions`.
"""

from oncall.actions.schedules.editing import (
    layer_create,
    layer_delete,
    layer_move,
    layer_update,
    schedule_create,
    schedule_delete,
    schedule_update,
)
from oncall.actions.schedules.feeds import feed_regenerate
from oncall.actions.schedules.handoffs import HANDOFF_FIRST_RUN, HANDOFF_LOOKBACK, handoffs_notify
from oncall.actions.schedules.overrides import MAX_OVERRIDE, override_create, override_delete
from oncall.actions.schedules.validation import (
    HHMM,
    LAYER_FIELDS,
    MAX_PARTICIPANTS,
    MAX_WINDOWS,
    SCHEDULE_FIELDS,
    SCHEDULE_RESERVED_SLUGS,
    clean_restrictions,
)

__all__ = [
    "HANDOFF_FIRST_RUN",
    "HANDOFF_LOOKBACK",
    "HHMM",
    "LAYER_FIELDS",
    "MAX_OVERRIDE",
    "MAX_PARTICIPANTS",
    "MAX_WINDOWS",
    "SCHEDULE_FIELDS",
    "SCHEDULE_RESERVED_SLUGS",
    "clean_restrictions",
    "feed_regenerate",
    "handoffs_notify",
    "layer_create",
    "layer_delete",
    "layer_move",
    "layer_update",
    "override_create",
    "override_delete",
    "schedule_create",
    "schedule_delete",
    "schedule_update",
]
