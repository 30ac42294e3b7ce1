"""Status pages and what they show: component groups, components, public incidents with their updates, and
scheduled maintenance. Vocabularies are Atlassian Statuspage's, so its public API shape maps one to one.

Every many-to-many goes through an explicit org-owned table (the tenancy rule: every row has an organization)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from incidents.models import Incident, StatusUpdate
from orgs.models import OrgOwnedModel
from services.models import Service

LOGO_MAX_BYTES = 256 * 1024


class ComponentStatus(models.TextChoices):
    """Statuspage's component vocabulary (the same values as services.ServiceHealth)."""

    OPERATIONAL = "operational", "Operational"
    DEGRADED_PERFORMANCE = "degraded_performance", "Degraded performance"
    PARTIAL_OUTAGE = "partial_outage", "Partial outage"
    MAJOR_OUTAGE = "major_outage", "Major outage"
    UNDER_MAINTENANCE = "under_maintenance", "Under maintenance"


class LogoContentType(models.TextChoices):
    PNG = "image/png", "PNG"
    JPEG = "image/jpeg", "JPEG"
    WEBP = "image/webp", "WebP"


class StatusPage(OrgOwnedModel):
    """A public (or viewer-restricted) status page of the org. The org's default page is the one at
    /status/<org-slug>/ (docs/statuspage.md, "URL scheme")."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(max_length=50)
    title = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    time_zone = models.CharField(max_length=64, default="UTC", help_text="IANA name, e.g. Europe/Paris")
    is_public = models.BooleanField(default=True, help_text="Off: only signed-in members on the viewer list see it.")
    is_default = models.BooleanField(default=False)
    # Documented only: point the domain's CNAME at Firebreak and the proxy at /status/<org-slug>/.
    custom_domain = models.CharField(max_length=253, blank=True)
    # Stored in the database and served by the app (the CSP allows images from 'self' only); ≤ LOGO_MAX_BYTES.
    logo_bytes = models.BinaryField(null=True, blank=True, editable=True)
    logo_content_type = models.CharField(max_length=16, choices=LogoContentType.choices, blank=True)
    allowed_viewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="StatusPageViewer", related_name="+", blank=True
    )

    class Meta:
        ordering = ["-is_default", "title"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="status_page_unique_slug"),
            models.UniqueConstraint(
                fields=["organization"], condition=Q(is_default=True), name="status_page_one_default"
            ),
            models.CheckConstraint(
                condition=Q(logo_content_type="") | Q(logo_content_type__in=LogoContentType.values),
                name="status_page_logo_content_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class StatusPageViewer(OrgOwnedModel):
    """A member allowed to see a private page."""

    page = models.ForeignKey(StatusPage, on_delete=models.CASCADE, related_name="viewer_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["page", "user"], name="status_page_viewer_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} may view {self.page_id}"


class ComponentGroup(OrgOwnedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    page = models.ForeignKey(StatusPage, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name", "pk"]

    def __str__(self) -> str:
        return self.name


class Component(OrgOwnedModel):
    """A public piece of the product, usually one service. Its status follows the service's health unless
    overridden (selectors: override, else under_maintenance during a maintenance, else the service's health)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    page = models.ForeignKey(StatusPage, on_delete=models.CASCADE, related_name="components")
    group = models.ForeignKey(
        ComponentGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="components"
    )
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    # "" = no override (the status follows the service and maintenance).
    status_override = models.CharField(max_length=24, choices=ComponentStatus.choices, blank=True, default="")

    class Meta:
        ordering = ["position", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status_override="") | Q(status_override__in=ComponentStatus.values),
                name="component_status_override_valid",
            ),
            models.UniqueConstraint(
                fields=["page", "service"], condition=Q(service__isnull=False), name="component_one_per_service"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PublicIncidentImpact(models.TextChoices):
    NONE = "none", "None"
    MINOR = "minor", "Minor"
    MAJOR = "major", "Major"
    CRITICAL = "critical", "Critical"


class PublicIncidentStatus(models.TextChoices):
    INVESTIGATING = "investigating", "Investigating"
    IDENTIFIED = "identified", "Identified"
    MONITORING = "monitoring", "Monitoring"
    RESOLVED = "resolved", "Resolved"
    POSTMORTEM = "postmortem", "Postmortem"


class PublicIncident(OrgOwnedModel):
    """The public face of an incident: made when its first external status update is posted (never for a drill).
    Title and impact follow the incident until someone edits them here (`*_overridden`)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    page = models.ForeignKey(StatusPage, on_delete=models.CASCADE, related_name="incidents")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    title_overridden = models.BooleanField(default=False)
    impact = models.CharField(max_length=16, choices=PublicIncidentImpact.choices, default=PublicIncidentImpact.MINOR)
    impact_overridden = models.BooleanField(default=False)
    status = models.CharField(
        max_length=16, choices=PublicIncidentStatus.choices, default=PublicIncidentStatus.INVESTIGATING
    )
    components = models.ManyToManyField(
        Component, through="PublicIncidentComponent", related_name="public_incidents", blank=True
    )
    started_at = models.DateTimeField()
    monitoring_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["page", "incident"], name="public_incident_one_per_page"),
            models.CheckConstraint(
                condition=Q(impact__in=PublicIncidentImpact.values), name="public_incident_impact_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=PublicIncidentStatus.values), name="public_incident_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["organization", "page", "-started_at"], name="public_incident_page_idx")]

    def __str__(self) -> str:
        return self.title


class PublicIncidentComponent(OrgOwnedModel):
    public_incident = models.ForeignKey(PublicIncident, on_delete=models.CASCADE, related_name="component_links")
    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["public_incident", "component"], name="public_incident_component_unique")
        ]

    def __str__(self) -> str:
        return f"{self.public_incident_id} affects {self.component_id}"


class PublicUpdate(OrgOwnedModel):
    """One external status update as the page shows it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    public_incident = models.ForeignKey(PublicIncident, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=16, choices=PublicIncidentStatus.choices)
    body = models.TextField()
    status_update = models.OneToOneField(
        StatusUpdate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    affected_components = models.ManyToManyField(
        Component, through="PublicUpdateComponent", related_name="public_updates", blank=True
    )
    display_at = models.DateTimeField()

    class Meta:
        ordering = ["-display_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PublicIncidentStatus.values), name="public_update_status_valid"
            )
        ]

    def __str__(self) -> str:
        return self.body[:60]


class PublicUpdateComponent(OrgOwnedModel):
    """A component an update names, with the status it gave it then (Statuspage's affected_components)."""

    public_update = models.ForeignKey(PublicUpdate, on_delete=models.CASCADE, related_name="component_links")
    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=24, choices=ComponentStatus.choices, default=ComponentStatus.OPERATIONAL)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["public_update", "component"], name="public_update_component_unique"),
            models.CheckConstraint(
                condition=Q(status__in=ComponentStatus.values), name="public_update_component_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_update_id} names {self.component_id}"


class MaintenanceStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    VERIFYING = "verifying", "Verifying"
    COMPLETED = "completed", "Completed"


class Maintenance(OrgOwnedModel):
    """Scheduled maintenance, announced ahead; while in progress (or verifying) its components show
    under_maintenance."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    page = models.ForeignKey(StatusPage, on_delete=models.CASCADE, related_name="maintenances")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=MaintenanceStatus.choices, default=MaintenanceStatus.SCHEDULED)
    scheduled_for = models.DateTimeField()
    scheduled_until = models.DateTimeField()
    components = models.ManyToManyField(
        Component, through="MaintenanceComponent", related_name="maintenances", blank=True
    )
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-scheduled_for", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=MaintenanceStatus.values), name="maintenance_status_valid"),
            models.CheckConstraint(
                condition=Q(scheduled_until__gt=F("scheduled_for")), name="maintenance_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["organization", "page", "status"], name="maintenance_page_status_idx")]

    def __str__(self) -> str:
        return self.title


class MaintenanceComponent(OrgOwnedModel):
    maintenance = models.ForeignKey(Maintenance, on_delete=models.CASCADE, related_name="component_links")
    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["maintenance", "component"], name="maintenance_component_unique")
        ]

    def __str__(self) -> str:
        return f"{self.maintenance_id} covers {self.component_id}"


class MaintenanceUpdate(OrgOwnedModel):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    maintenance = models.ForeignKey(Maintenance, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=16, choices=MaintenanceStatus.choices)
    body = models.TextField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=MaintenanceStatus.values), name="maintenance_update_status_valid"
            )
        ]

    def __str__(self) -> str:
        return self.body[:60]
