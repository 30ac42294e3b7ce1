"""Workflow step actions: what a workflow's steps can do (docs/workflows.md, "Actions").

`ACTIONS` maps an action's name to its `StepAction` (registry.py); each family lives in its own module.
"""

from workflows.steps.registry import ACTIONS, ParamField, StepAction, StepContext, StepOutcome

__all__ = ["ACTIONS", "ParamField", "StepAction", "StepContext", "StepOutcome", "render_template"]


def render_template(*args, **kwargs):
    from workflows.steps.templating import render_template as render

    return render(*args, **kwargs)
