"""The workflow's own fields (a Django form); its conditions and actions are the rows (workflows/forms/rows.py)."""

from typing import Any

from django import forms

from orgs.models import Organization
from workflows.models import ConditionMode, Trigger, Workflow


class WorkflowForm(forms.Form):
    """A workflow's own fields; its conditions and actions are the rows (see the module's docstring)."""

    name = forms.CharField(max_length=120, help_text="Shown on the incident timeline: “Workflow Declaration process”.")
    description = forms.CharField(
        max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="Why it exists."
    )
    trigger = forms.ChoiceField(choices=Trigger.choices, label="When")
    condition_mode = forms.ChoiceField(
        choices=ConditionMode.choices, initial=ConditionMode.ALL, widget=forms.RadioSelect, label="Run if"
    )
    run_in_drills = forms.BooleanField(
        required=False, label="Also run for drills", help_text="Drill incidents run this workflow too."
    )
    is_enabled = forms.BooleanField(required=False, initial=True, label="Enabled")

    def __init__(self, *args: Any, organization: Organization, workflow: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.workflow = workflow

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        others = Workflow.objects.for_org(self.organization).filter(name__iexact=name)
        if self.workflow is not None:
            others = others.exclude(pk=self.workflow.pk)
        if others.exists():
            raise forms.ValidationError(f"A workflow named “{name}” already exists.")
        return name

    @classmethod
    def initial_for(cls, workflow: Any) -> dict[str, Any]:
        return {name: getattr(workflow, name) for name in cls.base_fields}


# --- choices the rows offer ---------------------------------------------------------------------------------------
