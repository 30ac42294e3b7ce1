"""What an import did (or would do): one change per team or service, and the whole result."""

from dataclasses import dataclass
from typing import Any

# --- results -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportChange:
    """What an import did (or would do) to one team or service."""

    kind: str  # "team" or "service"
    slug: str
    action: str  # "create" | "update" | "unchanged"
    changes: dict  # field -> {"before": ..., "after": ...}; empty when unchanged

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape the API returns for one change."""
        return {"kind": self.kind, "slug": self.slug, "action": self.action, "changes": self.changes}


@dataclass(frozen=True)
class ImportResult:
    """Every change of one import, teams first, in file order."""

    dry_run: bool
    changes: list[ImportChange]

    @property
    def created(self) -> int:
        """How many teams and services were (or would be) created."""
        return sum(1 for change in self.changes if change.action == "create")

    @property
    def updated(self) -> int:
        """How many teams and services were (or would be) updated."""
        return sum(1 for change in self.changes if change.action == "update")

    @property
    def unchanged(self) -> int:
        """How many teams and services already matched the file."""
        return sum(1 for change in self.changes if change.action == "unchanged")

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able summary for the API."""
        return {
            "dry_run": self.dry_run,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "changes": [change.as_dict() for change in self.changes],
        }
