"""Tenancy plumbing shared by every app: who is acting, and which models are allowed to be global."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from orgs.models import ApiToken, User

# Models that are deliberately not org-owned. Every other model of a Firebreak app must subclass
# orgs.models.OrgOwnedModel; tests/orgs/test_tenancy.py fails otherwise.
GLOBAL_MODELS = frozenset({"orgs.User", "orgs.Organization", "orgs.Membership"})

FIREBREAK_APPS = (
    "orgs",
    "services",
    "incidents",
    "alerting",
    "oncall",
    "notifications",
    "ticketing",
    "statuspage",
    "retros",
    "workflows",
    "drills",
)


@dataclass(frozen=True)
class Actor:
    """Who performs a write: a person, an API token, or the system (commands, tasks)."""

    user: "User | None" = None
    token: "ApiToken | None" = None
    ip_address: str | None = None
    name: str = ""  # how to show an actor who is none of these (someone not signed in)

    @classmethod
    def system(cls) -> "Actor":
        return cls()

    @classmethod
    def from_request(cls, request: HttpRequest) -> "Actor":
        from orgs.models import ApiToken

        auth = getattr(request, "auth", None)
        ip = request.META.get("REMOTE_ADDR") or None
        if isinstance(auth, ApiToken):
            return cls(token=auth, ip_address=ip)
        user = request.user if request.user.is_authenticated else None
        return cls(user=user, ip_address=ip)

    @property
    def label(self) -> str:
        if self.token is not None:
            return f"API token “{self.token.name}”"
        if self.user is not None:
            return self.user.email
        return self.name or "system"
