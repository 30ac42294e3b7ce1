"""Shapes of the workflows API. Serializers check shape and bounds only; what the conditions and actions mean
(fields a trigger offers, values that exist in the organization, each action's params) is checked by
workflows.validation inside the actions, whose errors name the bad part (`conditions[0].value`,
`actions[2].params.role`). Objects are named by their uuid (`id`); incidents by their number."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from workflows import validation
from workflows.models import ConditionMode, RunStatus, StepStatus, Trigger, Workflow, WorkflowRun, WorkflowRunStep


class UuidRelatedField(serializers.SlugRelatedField):
    """An object of the token's organization named by its id (uuid); anything else is "does not exist"."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="uuid", **kwargs)

    def get_queryset(self) -> Any:
        return super().get_queryset().filter(organization=self.context["request"].organization)

    def to_internal_value(self, data: Any) -> Any:
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            raise
        except Exception:  # a value that is not a uuid
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:100])


# --- workflows ----------------------------------------------------------------------------------------------------


class ConditionSerializer(serializers.Serializer):
    field = serializers.CharField(max_length=40, help_text="`severity`, `status`, `services`, `time_of_day`, …")
    operator = serializers.CharField(max_length=40, help_text="`is`, `in`, `at_least`, `includes_any`, `between`, …")
    value = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text='A value, a list of values, or for time_of_day {"start": "HH:MM", "end": "HH:MM", '
        '"timezone": "Europe/Paris", "days": [0, 4]}; none for is_set/is_not_set.',
    )


class ActionSerializer(serializers.Serializer):
    action = serializers.CharField(max_length=40, help_text="`assign_role`, `page`, `post_note`, `call_webhook`, …")
    params = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        default=dict,
        help_text="The action's params (docs/workflows.md).",
    )
    delay_seconds = serializers.IntegerField(
        min_value=0,
        max_value=validation.MAX_DELAY_SECONDS,
        required=False,
        default=0,
        help_text="Wait this long after the step before (the run's start for the first step).",
    )
    enabled = serializers.BooleanField(
        required=False, default=True, help_text="A disabled step is recorded as skipped (“disabled until configured”)."
    )


class WorkflowOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    conditions = ConditionSerializer(many=True, read_only=True)
    actions = ActionSerializer(many=True, read_only=True)
    is_seeded = serializers.SerializerMethodField(help_text="Created by Firebreak (the declaration process).")

    class Meta:
        model = Workflow
        fields = [
            "id",
            "name",
            "description",
            "trigger",
            "condition_mode",
            "conditions",
            "actions",
            "is_enabled",
            "run_in_drills",
            "is_seeded",
            "created_at",
            "updated_at",
        ]

    def get_is_seeded(self, workflow: Workflow) -> bool:
        return bool(workflow.seed_key)


class WorkflowInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    trigger = serializers.ChoiceField(choices=Trigger.choices)
    condition_mode = serializers.ChoiceField(choices=ConditionMode.choices, required=False)
    conditions = serializers.ListField(
        child=ConditionSerializer(), max_length=validation.MAX_CONDITIONS, required=False, help_text="Empty: always."
    )
    actions = serializers.ListField(
        child=ActionSerializer(), max_length=validation.MAX_ACTIONS, required=False, help_text="In order."
    )
    is_enabled = serializers.BooleanField(required=False)
    run_in_drills = serializers.BooleanField(required=False, help_text="Also run for drill incidents.")


class DryRunInputSerializer(serializers.Serializer):
    incident = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text="The incident's number (INC-42: 42)."
    )


class HeldConditionSerializer(ConditionSerializer):
    held = serializers.BooleanField(help_text="Whether it held.")


class StepOutcomeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["succeeded", "skipped", "failed"])
    outcome = serializers.CharField(help_text="In words: what happened (or would).")
    result = serializers.DictField(child=serializers.JSONField(), help_text="What the step made (ids).")


class PlannedStepSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    action = serializers.CharField()
    label = serializers.CharField()
    delay_seconds = serializers.IntegerField()
    enabled = serializers.BooleanField()
    outcome = StepOutcomeSerializer(help_text="What it would do now.")


class DryRunSerializer(serializers.Serializer):
    matched = serializers.BooleanField(help_text="Whether a run would start.")
    reason = serializers.CharField(help_text="Why none would start when it is not the conditions (a drill); or empty.")
    conditions = HeldConditionSerializer(many=True)
    steps = PlannedStepSerializer(many=True)


# --- runs ---------------------------------------------------------------------------------------------------------


class RunStepSerializer(serializers.ModelSerializer):
    # Declared, not derived from the model: a derived integer's bounds depend on the database.
    position = serializers.IntegerField(read_only=True)
    delay_seconds = serializers.IntegerField(read_only=True)

    class Meta:
        model = WorkflowRunStep
        fields = [
            "position",
            "action",
            "params",
            "delay_seconds",
            "status",
            "outcome",
            "error",
            "due_at",
            "finished_at",
        ]
        extra_kwargs = {"status": {"help_text": f"One of {', '.join(StepStatus.values)}."}}


class WorkflowRunSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    workflow = serializers.SerializerMethodField(help_text="The workflow's id; null once it was deleted.")
    incident = serializers.SerializerMethodField(help_text="The incident's number, if the run has one.")
    matched = HeldConditionSerializer(many=True, read_only=True, help_text="Each condition and whether it held.")
    event = serializers.SerializerMethodField(help_text="What the trigger saw (the condition context).")
    steps = RunStepSerializer(many=True, read_only=True)

    class Meta:
        model = WorkflowRun
        fields = [
            "id",
            "workflow",
            "workflow_name",
            "trigger",
            "status",
            "incident",
            "subject_kind",
            "is_drill",
            "event",
            "matched",
            "started_at",
            "finished_at",
            "steps",
        ]
        extra_kwargs = {"status": {"help_text": f"One of {', '.join(RunStatus.values)}."}}

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_workflow(self, run: WorkflowRun) -> str | None:
        return str(run.workflow.uuid) if run.workflow is not None else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_incident(self, run: WorkflowRun) -> int | None:
        return run.incident.number if run.incident is not None else None

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_event(self, run: WorkflowRun) -> dict:
        return run.event if isinstance(run.event, dict) else {}


class RunFilterSerializer(serializers.Serializer):
    workflow = UuidRelatedField(
        queryset=Workflow.objects.all(), required=False, help_text="Only this workflow's runs (its id)."
    )
    incident = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, required=False, help_text="Only runs for this incident (its number)."
    )
    status = serializers.ChoiceField(choices=RunStatus.choices, required=False)
