"""The service catalog: who owns what, how critical it is, what it depends on, where its runbook is."""

import uuid

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q

from orgs.models import OrgOwnedModel, Team


class ServiceTier(models.IntegerChoices):
    TIER_1 = 1, "Tier 1"
    TIER_2 = 2, "Tier 2"
    TIER_3 = 3, "Tier 3"
    TIER_4 = 4, "Tier 4"


TIER_MEANINGS = {
    1: "Mission critical: an outage stops customers or revenue.",
    2: "Business critical: significant customer impact, degraded core flows.",
    3: "Important: internal impact or limited customer impact, workarounds exist.",
    4: "Low: experimental or internal tooling, no customer impact.",
}


class ServiceLifecycle(models.TextChoices):
    PRODUCTION = "production", "Production"
    STAGING = "staging", "Staging"
    EXPERIMENTAL = "experimental", "Experimental"
    DEPRECATED = "deprecated", "Deprecated"


class ServiceHealth(models.TextChoices):
    """Statuspage's component vocabulary."""

    OPERATIONAL = "operational", "Operational"
    DEGRADED_PERFORMANCE = "degraded_performance", "Degraded performance"
    PARTIAL_OUTAGE = "partial_outage", "Partial outage"
    MAJOR_OUTAGE = "major_outage", "Major outage"
    UNDER_MAINTENANCE = "under_maintenance", "Under maintenance"


class ServiceKind(models.TextChoices):
    """The Backstage kind the entry came from / exports as."""

    COMPONENT = "component", "Component"
    RESOURCE = "resource", "Resource"
    SYSTEM = "system", "System"


class ServiceLinkKind(models.TextChoices):
    RUNBOOK = "runbook", "Runbook"
    REPOSITORY = "repository", "Repository"
    DASHBOARD = "dashboard", "Dashboard"
    DOCS = "docs", "Docs"
    CHAT = "chat", "Chat channel"
    OTHER = "other", "Other"


# Backstage's rules for entity names and label keys/values, so every export is accepted there.
NAME_RE = r"^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$"
LABEL_KEY_RE = r"^([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$"
LABEL_VALUE_RE = r"^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$"


class Service(OrgOwnedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    slug = models.CharField(
        max_length=63,
        validators=[RegexValidator(NAME_RE, "Letters, numbers, '-', '_' or '.', starting and ending alphanumeric.")],
    )
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=16, choices=ServiceKind.choices, default=ServiceKind.COMPONENT)
    service_type = models.CharField(max_length=50, default="service", help_text="Backstage spec.type")
    tier = models.PositiveSmallIntegerField(choices=ServiceTier.choices, default=ServiceTier.TIER_3)
    lifecycle = models.CharField(max_length=16, choices=ServiceLifecycle.choices, default=ServiceLifecycle.PRODUCTION)
    health = models.CharField(max_length=24, choices=ServiceHealth.choices, default=ServiceHealth.OPERATIONAL)
    owner_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_services"
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    # Who is paged when one of its integrations opens an alert group (oncall app). This key points up at a higher
    # layer (oncall), on purpose: which policy pages for a service is part of the catalog entry people edit
    # with the service, and oncall's queries join through it (`policy.services`). The foreign-key cycle
    # Service → EscalationPolicy → Escalation → AlertGroup → Service is broken at the escalation instead (its
    # subject is a plain reference; docs/architecture.md). services' code never imports oncall: its form and
    # serializer reach the policy model through this field (`related_model`), scoped to the organization.
    escalation_policy = models.ForeignKey(
        "oncall.EscalationPolicy", null=True, blank=True, on_delete=models.SET_NULL, related_name="services"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="service_unique_slug_per_org"),
            models.CheckConstraint(condition=Q(tier__gte=1, tier__lte=4), name="service_tier_valid"),
            models.CheckConstraint(condition=Q(lifecycle__in=ServiceLifecycle.values), name="service_lifecycle_valid"),
            models.CheckConstraint(condition=Q(health__in=ServiceHealth.values), name="service_health_valid"),
            models.CheckConstraint(condition=Q(kind__in=ServiceKind.values), name="service_kind_valid"),
        ]
        indexes = [
            models.Index(fields=["organization", "tier", "name"]),
            models.Index(fields=["organization", "owner_team"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tier_meaning(self) -> str:
        return TIER_MEANINGS[self.tier]

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class ServiceRespondingTeam(OrgOwnedModel):
    """A team that responds to incidents of a service without owning it."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="responding_team_links")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="responding_service_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["service", "team"], name="service_responding_team_unique")]

    def __str__(self) -> str:
        return f"{self.team} responds to {self.service}"


class ServiceLink(OrgOwnedModel):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(max_length=16, choices=ServiceLinkKind.choices, default=ServiceLinkKind.OTHER)
    title = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500)

    class Meta:
        ordering = ["kind", "title", "url"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ServiceLinkKind.values), name="service_link_kind_valid"),
            models.UniqueConstraint(fields=["service", "kind", "url"], name="service_link_unique"),
        ]

    def __str__(self) -> str:
        return self.title or self.url


class ServiceLabel(OrgOwnedModel):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="labels")
    key = models.CharField(max_length=316, validators=[RegexValidator(LABEL_KEY_RE, "Not a valid label key.")])
    value = models.CharField(max_length=63, blank=True, validators=[RegexValidator(LABEL_VALUE_RE, "Invalid value.")])

    class Meta:
        ordering = ["key"]
        constraints = [models.UniqueConstraint(fields=["service", "key"], name="service_label_unique_key")]
        indexes = [models.Index(fields=["organization", "key", "value"])]

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class ServiceDependency(OrgOwnedModel):
    """`service` depends on `depends_on` (an edge of the dependency graph; cycles are allowed)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="dependency_edges")
    depends_on = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="dependent_edges")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "depends_on"], name="service_dependency_unique"),
            models.CheckConstraint(condition=~Q(service=F("depends_on")), name="service_dependency_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.service} → {self.depends_on}"


# The impacts that move a service's health, worst first; any other health is set by hand.
IMPACT_ORDER = [ServiceHealth.MAJOR_OUTAGE, ServiceHealth.PARTIAL_OUTAGE, ServiceHealth.DEGRADED_PERFORMANCE]


class ServiceImpact(OrgOwnedModel):
    """What one open incident does to a service's health (its severity's outage level). The service's health
    follows the worst of its impacts, operational once none is left. Services keeps this record from the
    incident events it subscribes to (services/subscribers.py), so it never reads the incidents app: the
    incident is kept as its id, not a foreign key, because incidents sit on a higher layer."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="impacts")
    incident_id = models.BigIntegerField()
    health = models.CharField(max_length=24, choices=[(h.value, h.label) for h in IMPACT_ORDER])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "incident_id"], name="service_impact_one_per_incident"),
            models.CheckConstraint(
                condition=Q(health__in=[h.value for h in IMPACT_ORDER]), name="service_impact_health_valid"
            ),
        ]
        indexes = [models.Index(fields=["organization", "incident_id"])]

    def __str__(self) -> str:
        return f"incident {self.incident_id}: {self.service_id} {self.health}"
