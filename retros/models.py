"""Retrospectives: the org's retro policy, templates and contributing-factor taxonomy, and one retrospective per
incident with its Markdown sections, reviewers and contributing factors. Action items are ticketing.FollowUp rows
of the incident made from the retrospective (`source="retrospective"`): ticketing sits below retros, so it keeps
no link up here."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from incidents.models import Incident
from orgs.models import OrgOwnedModel


class RetroSettings(OrgOwnedModel):
    """The org's retro policy: which resolved incidents get a retrospective, and when it is due."""

    severity_rank_max = models.PositiveSmallIntegerField(
        default=3, help_text="Severities ranked this or worse (1 is the worst) need a retrospective; 0: none by rank."
    )
    include_major = models.BooleanField(default=True, help_text="Every major severity needs one, whatever its rank.")
    include_drills = models.BooleanField(default=False, help_text="Drills get a retrospective too.")
    due_business_days = models.PositiveSmallIntegerField(
        default=5, help_text="Due this many business days after resolve."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="retro_settings_one_per_org")]

    def __str__(self) -> str:
        return f"Retro settings of {self.organization_id}"


class RetroTemplate(OrgOwnedModel):
    """Sections (key, title, prompt) a new retrospective starts with; one template per org is the default."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=64)
    description = models.CharField(max_length=300, blank=True)
    sections = models.JSONField(default=list, help_text='[{"key": "summary", "title": "Summary", "prompt": "…"}]')
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="retro_template_unique_slug"),
            models.UniqueConstraint(
                fields=["organization"], condition=Q(is_default=True), name="retro_template_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ContributingFactor(OrgOwnedModel):
    """A tag of the org's contributing-factor taxonomy (change, capacity, dependency, …)."""

    name = models.CharField(max_length=64)
    slug = models.SlugField(max_length=64)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="contributing_factor_unique_slug"),
            models.UniqueConstraint(fields=["organization", "name"], name="contributing_factor_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class RetrospectiveStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"


RETRO_TRANSITIONS = {
    RetrospectiveStatus.DRAFT: [RetrospectiveStatus.IN_REVIEW, RetrospectiveStatus.PUBLISHED],
    RetrospectiveStatus.IN_REVIEW: [RetrospectiveStatus.DRAFT, RetrospectiveStatus.PUBLISHED],
    RetrospectiveStatus.PUBLISHED: [RetrospectiveStatus.DRAFT],
}


class Retrospective(OrgOwnedModel):
    """The retrospective (postmortem) of one incident, addressed by the incident's number."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="retrospective")
    template = models.ForeignKey(RetroTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=RetrospectiveStatus.choices, default=RetrospectiveStatus.DRAFT)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, through="RetroReviewer", related_name="+")
    factors = models.ManyToManyField(ContributingFactor, through="RetroFactor", related_name="retrospectives")
    due_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    published_count = models.PositiveIntegerField(
        default=0, help_text="How many times it has been published (a re-publish after reopening counts again)"
    )
    reminded_at = models.DateTimeField(null=True, blank=True, help_text="Last reminder email to the owner")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RetrospectiveStatus.values), name="retrospective_status_valid"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "status", "due_at"]),
            models.Index(fields=["organization", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == RetrospectiveStatus.PUBLISHED


class RetroSection(OrgOwnedModel):
    """One Markdown section of a retrospective (stored as source, rendered sanitized)."""

    retrospective = models.ForeignKey(Retrospective, on_delete=models.CASCADE, related_name="sections")
    key = models.SlugField(max_length=64)
    title = models.CharField(max_length=100)
    prompt = models.CharField(max_length=500, blank=True)
    body = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["retrospective", "key"], name="retro_section_unique_key")]

    def __str__(self) -> str:
        return self.title


class RetroReviewer(OrgOwnedModel):
    retrospective = models.ForeignKey(Retrospective, on_delete=models.CASCADE, related_name="reviewer_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["retrospective", "user"], name="retro_reviewer_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} reviews {self.retrospective_id}"


class RetroFactor(OrgOwnedModel):
    """A contributing factor tagged on a retrospective (analytics count these per factor)."""

    retrospective = models.ForeignKey(Retrospective, on_delete=models.CASCADE, related_name="factor_links")
    factor = models.ForeignKey(ContributingFactor, on_delete=models.CASCADE, related_name="retro_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["retrospective", "factor"], name="retro_factor_unique")]

    def __str__(self) -> str:
        return f"{self.factor_id} on {self.retrospective_id}"
