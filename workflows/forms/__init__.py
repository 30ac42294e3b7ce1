"""The workflow editor's form: the workflow's own fields (a Django form) and its condition and action rows.

How the rows are posted (chosen so the page works with and without JavaScript): every row is plain named inputs,
``conditions-<i>-field``, ``conditions-<i>-operator``, ``conditions-<i>-value`` (repeated for a list; a time window
is ``-start``, ``-end``, ``-timezone`` and ``-days``) and ``actions-<i>-action``, ``actions-<i>-delay`` (minutes),
``actions-<i>-enabled`` and ``actions-<i>-p-<param>`` (repeated for a list), with ``condition_count`` and
``action_count``. Adding, removing and moving a row is a submit button named ``op`` (``add-condition``,
``remove-action:2``, ``up-action:1``, ``refresh`` after a field or an action changed, which changes the inputs the
row needs): the server applies it and renders the rows again — over htmx when JavaScript runs (only the rows are
swapped), as a whole page otherwise. Nothing is kept in a hidden JSON blob that a person could not read or fix.

`definition_from_post` turns the rows into the ``conditions`` / ``actions`` lists the engine validates
(workflows.validation); `editor_rows` turns such lists (and the errors keyed ``conditions[0].value``,
``actions[2].params.role``) back into rows to render.
"""

from workflows.forms.choices import WEEKDAYS, field_specs
from workflows.forms.rows import apply_op, definition_from_post, editor_rows
from workflows.forms.workflow import WorkflowForm

__all__ = ["WEEKDAYS", "WorkflowForm", "apply_op", "definition_from_post", "editor_rows", "field_specs"]
