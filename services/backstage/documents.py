"""What reading catalog-info.yaml builds: the validated plan (teams and services), the errors of the whole
file in document order, and one document being read, which names itself in every message."""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError


@dataclass
class _TeamEntry:
    """A Group document, validated: the team it describes."""

    index: int
    where: str
    slug: str
    name: str
    description: str
    email: str
    chat_channel: str

    def fields(self) -> dict[str, str]:
        """The team as the file wants it, in TEAM_FIELDS terms."""
        return {
            "name": self.name,
            "slug": self.slug,
            "description": self.description,
            "email": self.email,
            "chat_channel": self.chat_channel,
        }


@dataclass
class _ServiceEntry:
    """A Component/Resource/System document, validated: the service it describes (teams and edges by slug)."""

    index: int
    where: str
    slug: str
    name: str
    description: str
    kind: str
    service_type: str
    tier: int
    lifecycle: str
    health: str | None  # None: the file does not say; keep the service's live health
    owner: str | None
    labels: dict[str, str]
    links: list[list[str]]  # sorted [kind, title, url], deduplicated like services.actions does
    responding_teams: list[str]
    dependencies: list[tuple[int, str, str]]  # (position in spec.dependsOn, reference as written, slug)


@dataclass
class _Plan:
    """The validated file: teams and services to upsert, and owner teams to create on the fly."""

    teams: list[_TeamEntry] = field(default_factory=list)
    services: list[_ServiceEntry] = field(default_factory=list)
    owner_teams: list[str] = field(default_factory=list)


class _Errors:
    """Error messages of a whole file, kept in document order."""

    def __init__(self) -> None:
        """Start with no errors."""
        self._items: list[tuple[int, int, str]] = []

    def add(self, index: int, message: str) -> None:
        """Record a message about document `index`."""
        self._items.append((index, len(self._items), message))

    def raise_if_any(self) -> None:
        """Raise one ValidationError with every message under the `yaml` key."""
        if self._items:
            raise ValidationError({"yaml": [message for _, _, message in sorted(self._items)]})


class _Document:
    """One YAML document being read, reporting problems with its position, kind and name."""

    def __init__(self, index: int, data: dict, errors: _Errors) -> None:
        """Wrap document number `index` (1-based) of the file."""
        self.index = index
        self.data = data
        self.errors = errors
        kind = data.get("kind")
        metadata = data.get("metadata")
        name = metadata.get("name") if isinstance(metadata, dict) else None
        self.kind = kind if isinstance(kind, str) and kind.strip() else None
        self.name = _scalar_text(name)
        self.where = _where(index, self.kind, self.name)

    def error(self, path: str, problem: str) -> None:
        """Record a problem with the field at `path`."""
        self.errors.add(self.index, f"{self.where}: {path}: {problem}")

    def mapping(self, parent: dict, key: str, path: str) -> dict:
        """A sub-mapping (empty when absent or null)."""
        value = parent.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.error(path, "expected a mapping.")
            return {}
        return value

    def text(self, parent: dict, key: str, path: str, *, max_length: int | None = None) -> str | None:
        """A string field (None when absent or null); numbers are read as their digits."""
        value = parent.get(key)
        if value is None:
            return None
        text = _scalar_text(value)
        if text is None:
            self.error(path, "expected a string.")
            return None
        if max_length is not None and len(text) > max_length:
            self.error(path, f"is longer than {max_length} characters.")
            return None
        return text


def _scalar_text(value: Any) -> str | None:
    """A YAML scalar as text: strings as they are, integers as digits (people forget quotes), else None."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _where(index: int, kind: str | None, name: str | None) -> str:
    """How messages name a document: `Document 3 (Component "payments")`."""
    if kind and name:
        return f'Document {index} ({kind} "{name}")'
    if kind:
        return f"Document {index} ({kind})"
    return f"Document {index}"


def _annotation_path(key: str) -> str:
    """The path of one annotation, quoted because annotation keys contain dots and slashes."""
    return f'metadata.annotations["{key}"]'
