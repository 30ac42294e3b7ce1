"""Forms of the oncall app, one module per topic, re-exported here (STYLE.md §1): `schedules` (schedules, layers
and overrides) and `policies` (the escalation policy editor and manual paging). Callers import the package:
`from oncall import forms`."""

from oncall.forms.policies import (
    DEFAULT_WAIT,
    STEP_FIELDS,
    PageForm,
    PolicyForm,
    StepForm,
    posted_step_values,
    step_forms,
    step_values,
    steps_apply_op,
)
from oncall.forms.schedules import (
    KEEP,
    MAX_SLOTS,
    MIN_SLOTS,
    PRESET_CHOICES,
    PRESETS,
    WEEKDAYS,
    LayerForm,
    OverrideForm,
    ScheduleForm,
    TeamChoiceField,
)

__all__ = [
    "DEFAULT_WAIT",
    "KEEP",
    "MAX_SLOTS",
    "MIN_SLOTS",
    "PRESETS",
    "PRESET_CHOICES",
    "STEP_FIELDS",
    "WEEKDAYS",
    "LayerForm",
    "OverrideForm",
    "PageForm",
    "PolicyForm",
    "ScheduleForm",
    "StepForm",
    "TeamChoiceField",
    "posted_step_values",
    "step_forms",
    "step_values",
    "steps_apply_op",
]
