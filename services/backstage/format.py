"""The catalog-info.yaml vocabulary Firebreak reads and writes: API versions, kinds, annotations, link types
and the column sizes checked before any write."""

from services.models import (
    ServiceKind,
    ServiceLinkKind,
)

API_VERSION = "backstage.io/v1alpha1"
API_VERSIONS = frozenset({API_VERSION, "backstage.io/v1beta1"})
ANNOTATION_TIER = "firebreak.io/tier"
ANNOTATION_RESPONDING_TEAMS = "firebreak.io/responding-teams"
ANNOTATION_HEALTH = "firebreak.io/health"
ANNOTATION_CHAT_CHANNEL = "firebreak.io/chat-channel"

SERVICE_KINDS = {"component": ServiceKind.COMPONENT, "resource": ServiceKind.RESOURCE, "system": ServiceKind.SYSTEM}
# dependsOn may point at any entity that is a service here; Backstage itself only uses component/resource.
DEPENDENCY_REF_KINDS = frozenset(SERVICE_KINDS)
LINK_TYPES = {
    "runbook": ServiceLinkKind.RUNBOOK,
    "repository": ServiceLinkKind.REPOSITORY,
    "source": ServiceLinkKind.REPOSITORY,
    "repo": ServiceLinkKind.REPOSITORY,
    "dashboard": ServiceLinkKind.DASHBOARD,
    "docs": ServiceLinkKind.DOCS,
    "documentation": ServiceLinkKind.DOCS,
    "chat": ServiceLinkKind.CHAT,
    "slack": ServiceLinkKind.CHAT,
}
TEAM_FIELDS = ("name", "slug", "description", "email", "chat_channel")
# Column sizes of Team and Service/ServiceLink: checked up front so PostgreSQL never rejects a write.
MAX_NAME = 100
MAX_TEAM_SLUG = 50
MAX_SERVICE_TYPE = 50
MAX_CHAT_CHANNEL = 200
MAX_LINK_TITLE = 200
MAX_LINK_URL = 500
