"""Shapes of the incidents API. Serializers validate shape only (and that references are of the token's org);
the viewsets call actions."""

from datetime import datetime
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core import limits
from core.fields import BoundedSerializerDateField, BoundedSerializerDateTimeField, optional_datetime_fields
from incidents import selectors
from incidents.models import (
    MILESTONES,
    Incident,
    IncidentRole,
    IncidentStatus,
    IncidentTask,
    IncidentType,
    RoleAssignment,
    Severity,
    StatusUpdate,
    StatusUpdateVisibility,
    TimelineEvent,
    TimelineKind,
    allowed_transitions,
)
from orgs.api.base import OrgRelatedField
from orgs.api.fields import MemberField
from orgs.api.serializers import UserSummarySerializer
from orgs.models import Team, User
from services.models import Service

# Named choice sets (config/settings.py ENUM_NAME_OVERRIDES gives each its own schema enum).
STATUS_FILTER_CHOICES = [
    *IncidentStatus.choices,
    ("open", "Open (any active status)"),
    ("closed", "Closed (any finished status)"),
]
INITIAL_STATUS_CHOICES = [(s.value, s.label) for s in (IncidentStatus.TRIAGE, IncidentStatus.INVESTIGATING)]
IMMUTABLE_FIELDS = {
    "is_drill": "The drill flag cannot change after declaration.",
    "number": "The incident number cannot change.",
    "reference": "The incident reference cannot change.",
    "status": "The status cannot change here; POST to …/transition/.",
}


def _user(user: User | None) -> dict | None:
    return UserSummarySerializer(user).data if user is not None else None


def _seconds(start: datetime, end: datetime | None) -> int | None:
    return int((end - start).total_seconds()) if end is not None else None


# --- incidents ---------------------------------------------------------------------------------------


class CurrentRoleSerializer(serializers.Serializer):
    role = serializers.CharField(help_text="The role's slug.")
    name = serializers.CharField()
    user = UserSummarySerializer()
    assigned_at = serializers.DateTimeField()


class IncidentOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    number = serializers.IntegerField(read_only=True)  # declared: a derived range would depend on the database
    reference = serializers.CharField(read_only=True, help_text="INC-<number>, unique within the organization.")
    severity = serializers.CharField(source="severity.name", read_only=True)
    incident_type = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True, help_text="The incident type's slug, or null."
    )
    status = serializers.ChoiceField(choices=IncidentStatus.choices, read_only=True)
    allowed_transitions = serializers.SerializerMethodField()
    is_open = serializers.BooleanField(read_only=True)
    services = serializers.SerializerMethodField()
    roles = serializers.SerializerMethodField()
    declared_by = UserSummarySerializer(read_only=True, allow_null=True)
    merged_into = serializers.SerializerMethodField()
    time_to_detect = serializers.SerializerMethodField()
    time_to_acknowledge = serializers.SerializerMethodField()
    time_to_mitigate = serializers.SerializerMethodField()
    time_to_resolve = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "number",
            "reference",
            "title",
            "severity",
            "incident_type",
            "status",
            "allowed_transitions",
            "is_open",
            "is_drill",
            "summary",
            "customer_impact",
            "services",
            "roles",
            "declared_by",
            "merged_into",
            *MILESTONES,
            "time_to_detect",
            "time_to_acknowledge",
            "time_to_mitigate",
            "time_to_resolve",
            "created_at",
            "updated_at",
        ]

    def get_allowed_transitions(self, incident: Incident) -> list[str]:
        return allowed_transitions(incident.status)

    def get_services(self, incident: Incident) -> list[str]:
        return sorted(link.service.slug for link in incident.service_links.all())

    @extend_schema_field(CurrentRoleSerializer(many=True))
    def get_roles(self, incident: Incident) -> list[dict]:
        current = [a for a in incident.role_assignments.all() if a.released_at is None]
        current.sort(key=lambda a: (a.role.position, a.role.name))
        return [
            {"role": a.role.slug, "name": a.role.name, "user": _user(a.user), "assigned_at": a.assigned_at}
            for a in current
        ]

    def get_merged_into(self, incident: Incident) -> str | None:
        return incident.merged_into.reference if incident.merged_into_id else None

    def get_time_to_detect(self, incident: Incident) -> int | None:
        return _seconds(incident.started_at, incident.detected_at)

    def get_time_to_acknowledge(self, incident: Incident) -> int | None:
        return _seconds(incident.started_at, incident.acknowledged_at)

    def get_time_to_mitigate(self, incident: Incident) -> int | None:
        return _seconds(incident.started_at, incident.mitigated_at)

    def get_time_to_resolve(self, incident: Incident) -> int | None:
        return _seconds(incident.started_at, incident.resolved_at)


class IncidentDeclareInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    severity = OrgRelatedField(
        slug_field="name",
        queryset=Severity.objects.all(),
        required=False,
        help_text="A severity's name. Required unless `incident_type` has a default severity.",
    )
    incident_type = OrgRelatedField(
        slug_field="slug",
        queryset=IncidentType.objects.all(),
        required=False,
        allow_null=True,
        help_text="An incident type's slug; its checklist becomes tasks of the commander.",
    )
    services = OrgRelatedField(slug_field="slug", queryset=Service.objects.all(), many=True, required=False)
    summary = serializers.CharField(max_length=limits.TEXT_MAX_CHARS, required=False, allow_blank=True)
    customer_impact = serializers.CharField(max_length=limits.TEXT_MAX_CHARS, required=False, allow_blank=True)
    started_at = BoundedSerializerDateTimeField(required=False, help_text="When impact began; defaults to now.")
    is_drill = serializers.BooleanField(required=False, default=False, help_text="Fixed for the incident's life.")
    commander = MemberField(
        required=False,
        help_text="User id or email of the member who takes the commander role. API tokens are nobody, "
        "so without it the incident starts with no commander.",
    )
    status = serializers.ChoiceField(
        choices=INITIAL_STATUS_CHOICES, required=False, default=IncidentStatus.INVESTIGATING
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("severity") is None:
            default = attrs["incident_type"].default_severity if attrs.get("incident_type") else None
            if default is None:
                raise serializers.ValidationError({"severity": [self.fields["severity"].error_messages["required"]]})
            attrs["severity"] = default
        return attrs


class IncidentUpdateInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    summary = serializers.CharField(max_length=limits.TEXT_MAX_CHARS, required=False, allow_blank=True)
    customer_impact = serializers.CharField(max_length=limits.TEXT_MAX_CHARS, required=False, allow_blank=True)
    severity = OrgRelatedField(slug_field="name", queryset=Severity.objects.all(), required=False)
    incident_type = OrgRelatedField(
        slug_field="slug",
        queryset=IncidentType.objects.all(),
        required=False,
        allow_null=True,
        help_text="A type's slug, or null for none; a new type's checklist items are added as tasks.",
    )
    services = OrgRelatedField(slug_field="slug", queryset=Service.objects.all(), many=True, required=False)
    started_at, detected_at, declared_at, acknowledged_at, identified_at, mitigated_at, resolved_at, closed_at = (
        optional_datetime_fields(Incident, MILESTONES)
    )
    reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="Required with any milestone change; it goes in the timeline.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        refused = {field: [message] for field, message in IMMUTABLE_FIELDS.items() if field in self.initial_data}
        if refused:
            raise serializers.ValidationError(refused)
        return attrs


class IncidentFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=STATUS_FILTER_CHOICES, required=False, help_text="A status, or open / closed."
    )
    severity = OrgRelatedField(
        slug_field="name", queryset=Severity.objects.all(), required=False, allow_null=True, help_text="Name."
    )
    service = OrgRelatedField(
        slug_field="slug", queryset=Service.objects.all(), required=False, allow_null=True, help_text="Slug."
    )
    team = OrgRelatedField(
        slug_field="slug",
        queryset=Team.objects.all(),
        required=False,
        allow_null=True,
        help_text="Slug of the owner or a responding team of an affected service.",
    )
    incident_type = serializers.SlugField(
        required=False, help_text="An incident type's slug, or `none` for incidents declared without a type."
    )
    is_drill = serializers.BooleanField(required=False, allow_null=True, default=None)
    since = BoundedSerializerDateField(required=False, help_text="Declared on or after this date (UTC).")
    until = BoundedSerializerDateField(required=False, help_text="Declared on or before this date (UTC).")
    search = serializers.CharField(required=False, allow_blank=True, help_text="Title, summary, or INC-<n>.")
    sort = serializers.ChoiceField(
        choices=list(selectors.INCIDENT_SORTS),
        required=False,
        help_text="Default: open incidents first, then newest.",
    )

    def validate_incident_type(self, value: str) -> str:
        organization = self.context["request"].organization
        if value != "none" and not IncidentType.objects.for_org(organization).filter(slug=value).exists():
            raise serializers.ValidationError(f"No incident type “{value}” in this organization.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and since > until:
            raise serializers.ValidationError({"until": ["Must not be before since."]})
        return attrs

    def selector_kwargs(self) -> dict[str, Any]:
        """The validated filters as incidents.selectors.incident_list takes them (names and slugs)."""
        kwargs = {k: v for k, v in self.validated_data.items() if v is not None}
        for field, attr in (("severity", "name"), ("service", "slug"), ("team", "slug")):
            if field in kwargs:
                kwargs[field] = getattr(kwargs[field], attr)
        return kwargs


class TransitionInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=IncidentStatus.choices)
    merged_into = serializers.IntegerField(
        required=False, min_value=1, help_text="With status `merged`: the number of the incident it merges into."
    )


# --- roles ---------------------------------------------------------------------------------------------


class RoleHolderSerializer(serializers.Serializer):
    user = UserSummarySerializer()
    assigned_by = UserSummarySerializer(allow_null=True)
    assigned_at = serializers.DateTimeField()
    released_at = serializers.DateTimeField(allow_null=True)


class RoleBoardSerializer(serializers.Serializer):
    role = serializers.CharField(help_text="The role's slug.")
    name = serializers.CharField()
    description = serializers.CharField()
    instructions = serializers.CharField()
    is_commander = serializers.BooleanField()
    holder = RoleHolderSerializer(allow_null=True, help_text="The current holder, or null.")
    history = RoleHolderSerializer(many=True, help_text="Everyone who held it, first first (current included).")


def role_holder(assignment: RoleAssignment) -> dict[str, Any]:
    return {
        "user": assignment.user,
        "assigned_by": assignment.assigned_by,
        "assigned_at": assignment.assigned_at,
        "released_at": assignment.released_at,
    }


def role_board_rows(
    board: list[tuple[IncidentRole, RoleAssignment | None]], history: list[RoleAssignment]
) -> list[dict[str, Any]]:
    """Rows of RoleBoardSerializer from selectors.role_board and selectors.role_history."""
    return [
        {
            "role": role.slug,
            "name": role.name,
            "description": role.description,
            "instructions": role.instructions,
            "is_commander": role.is_commander,
            "holder": role_holder(current) if current is not None else None,
            "history": [role_holder(a) for a in history if a.role_id == role.pk],
        }
        for role, current in board
    ]


class RoleAssignInputSerializer(serializers.Serializer):
    role = OrgRelatedField(slug_field="slug", queryset=IncidentRole.objects.all(), help_text="The role's slug.")
    user = MemberField(help_text="User id (uuid) or email of a member.")


# --- tasks ---------------------------------------------------------------------------------------------


class TaskOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    assignee = UserSummarySerializer(read_only=True, allow_null=True)
    role = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    completed = serializers.SerializerMethodField()
    completed_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = IncidentTask
        fields = ["id", "title", "assignee", "role", "completed", "completed_at", "completed_by", "created_at"]

    def get_completed(self, task: IncidentTask) -> bool:
        return task.completed_at is not None


class TaskCreateInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    assignee = MemberField(required=False, allow_null=True, help_text="User id (uuid) or email of a member.")


class TaskUpdateInputSerializer(serializers.Serializer):
    completed = serializers.BooleanField(required=False)
    assignee = MemberField(required=False, allow_null=True, help_text="User id (uuid) or email, or null.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError("Send completed and/or assignee.")
        return attrs


# --- timeline and status updates ---------------------------------------------------------------------------


class TimelineEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label", read_only=True, help_text="Who, as named at the time.")
    actor_user = UserSummarySerializer(read_only=True, allow_null=True)
    payload = serializers.DictField(read_only=True)
    body_html = serializers.CharField(read_only=True, help_text="`body` rendered from Markdown and sanitized.")

    class Meta:
        model = TimelineEvent
        fields = ["id", "kind", "occurred_at", "actor", "actor_user", "payload", "body", "body_html", "is_pinned"]


class TimelineFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=TimelineKind.choices, required=False)


class NoteInputSerializer(serializers.Serializer):
    body = serializers.CharField(
        max_length=limits.TEXT_MAX_CHARS, help_text="Markdown; stored as written, rendered sanitized in body_html."
    )


class PinInputSerializer(serializers.Serializer):
    pinned = serializers.BooleanField()


class StatusUpdateOutputSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    author = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = StatusUpdate
        fields = ["id", "message", "status", "visibility", "author", "created_at"]


class StatusUpdateInputSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=limits.TEXT_MAX_CHARS)
    visibility = serializers.ChoiceField(
        choices=StatusUpdateVisibility.choices, required=False, default=StatusUpdateVisibility.INTERNAL
    )
    status = serializers.ChoiceField(
        choices=IncidentStatus.choices, required=False, help_text="Also move the incident to this status."
    )


# --- configuration ---------------------------------------------------------------------------------------


class SeveritySerializer(serializers.ModelSerializer):
    rank = serializers.IntegerField(read_only=True, help_text="1 is the worst.")

    class Meta:
        model = Severity
        fields = ["name", "rank", "description", "is_major"]


class SeverityInputSerializer(serializers.Serializer):
    name = serializers.RegexField(
        r"^[A-Za-z0-9][A-Za-z0-9 _-]*$",
        max_length=32,
        error_messages={"invalid": "Use letters, digits, spaces, - and _ (it appears in URLs)."},
    )
    rank = serializers.IntegerField(min_value=1, max_value=99, help_text="1 is the worst.")
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)
    is_major = serializers.BooleanField(required=False)


class IncidentRoleSerializer(serializers.ModelSerializer):
    checklist = serializers.ListField(child=serializers.CharField(), read_only=True)
    position = serializers.IntegerField(read_only=True)

    class Meta:
        model = IncidentRole
        fields = ["slug", "name", "description", "instructions", "checklist", "position", "is_commander"]


class IncidentRoleInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    slug = serializers.SlugField(max_length=64, required=False, allow_blank=True)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)
    instructions = serializers.CharField(max_length=limits.TEXT_MAX_CHARS, required=False, allow_blank=True)
    checklist = serializers.ListField(
        child=serializers.CharField(max_length=300), required=False, max_length=50, help_text="Become tasks."
    )
    position = serializers.IntegerField(min_value=0, max_value=1000, required=False)
    is_commander = serializers.BooleanField(
        required=False, help_text="The role a declarer's commander takes; only one role has it."
    )


class IncidentTypeSerializer(serializers.ModelSerializer):
    default_severity = serializers.SlugRelatedField(
        slug_field="name", read_only=True, allow_null=True, help_text="The severity's name, or null."
    )
    checklist = serializers.ListField(child=serializers.CharField(), read_only=True)
    position = serializers.IntegerField(read_only=True)

    class Meta:
        model = IncidentType
        fields = ["slug", "name", "description", "default_severity", "checklist", "position"]


class IncidentTypeInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    slug = serializers.SlugField(max_length=64, required=False, allow_blank=True)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)
    default_severity = OrgRelatedField(
        slug_field="name",
        queryset=Severity.objects.all(),
        required=False,
        allow_null=True,
        help_text="A severity's name: pre-selected when declaring an incident of this type.",
    )
    checklist = serializers.ListField(
        child=serializers.CharField(max_length=300),
        required=False,
        max_length=50,
        help_text="Become tasks of the commander when an incident of this type is declared.",
    )
    position = serializers.IntegerField(min_value=0, max_value=1000, required=False)
