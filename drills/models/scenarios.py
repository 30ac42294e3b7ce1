"""A drill scenario: what to rehearse, the injects that play it out, and the responses expected in time."""

from uuid import uuid4

from django.conf import settings
from django.db import models
from django.db.models import Q

from orgs.models import OrgOwnedModel

# An inject's kind: an alert event sent through the real inbound endpoint, or a hint / stakeholder prompt shown
# to the facilitator at its offset.
INJECT_KINDS = ("alert", "hint", "prompt")
# The payload format of an alert inject: the inbound endpoint it is sent to.
INJECT_FORMATS = ("pagerduty", "alertmanager")
# What a scorecard measures, from the run's start.
RESPONSE_KINDS = ("acknowledge", "declare", "commander", "first_update", "mitigate")


class ScenarioStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved"


class Scenario(OrgOwnedModel):
    """A rehearsal plan. `injects` is a list of {"offset_seconds", "kind", "format", "service", "payload", "text"}
    (format/service/payload for alerts, text for hints and prompts; `service` is a service slug);
    `expected_responses` a list of {"kind", "target_seconds"}. Runs need it approved by someone other than its
    author; any edit after approval returns it to draft (drills.actions.scenario_update)."""

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200)
    hypothesis = models.TextField(blank=True)
    learning_goals = models.TextField(blank=True)
    severity = models.ForeignKey(
        "incidents.Severity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The severity responders are expected to declare",
    )
    services = models.ManyToManyField("services.Service", through="ScenarioService", blank=True, related_name="+")
    injects = models.JSONField(default=list, blank=True)
    expected_responses = models.JSONField(default=list, blank=True)
    abort_conditions = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=ScenarioStatus.choices, default=ScenarioStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "title"], name="drill_scenario_title_unique"),
            models.CheckConstraint(condition=Q(status__in=ScenarioStatus.values), name="drill_scenario_status_valid"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_approved(self) -> bool:
        return self.status == ScenarioStatus.APPROVED


class ScenarioService(OrgOwnedModel):
    """A target service of a scenario (the explicit, org-owned table of `Scenario.services`)."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey("services.Service", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scenario", "service"], name="drill_scenario_service_once")]

    def __str__(self) -> str:
        return f"service {self.service_id} of scenario {self.scenario_id}"
