"""Forms of the service catalog pages: the service editor, the catalog filters, health, import."""

import re
from typing import Any

from django import forms
from django.core.validators import URLValidator

from core import limits
from orgs import selectors as org_selectors
from orgs.models import Organization
from services import selectors
from services.models import (
    LABEL_KEY_RE,
    LABEL_VALUE_RE,
    TIER_MEANINGS,
    Service,
    ServiceHealth,
    ServiceLifecycle,
    ServiceLinkKind,
    ServiceTier,
)

TIER_CHOICES = [(tier, f"{label} — {TIER_MEANINGS[tier]}") for tier, label in ServiceTier.choices]
LINK_KINDS = ", ".join(ServiceLinkKind.values)
MAX_IMPORT_BYTES = 1_000_000


def _lines(text: str) -> list[tuple[int, str]]:
    """Numbered non-empty lines, so that errors can name the line the person typed."""
    return [(number, line.strip()) for number, line in enumerate(text.splitlines(), 1) if line.strip()]


def parse_labels(text: str) -> dict[str, str]:
    """`key=value` per line -> dict; one error per bad line, naming it."""
    labels: dict[str, str] = {}
    errors = []
    for number, line in _lines(text):
        key, has_equals, value = (part.strip() for part in line.partition("="))
        if not has_equals or not key:
            errors.append(f"Line {number}: “{line}” is not key=value.")
        elif not re.match(LABEL_KEY_RE, key):
            errors.append(f"Line {number}: “{key}” is not a valid label key (letters, numbers, '-', '_', '.').")
        elif not re.match(LABEL_VALUE_RE, value):
            errors.append(
                f"Line {number}: “{value}” is not a valid label value (up to 63 letters, numbers, '-', '_', '.')."
            )
        elif key in labels:
            errors.append(f"Line {number}: the label “{key}” is given twice.")
        else:
            labels[key] = value
    if errors:
        raise forms.ValidationError(errors)
    return labels


def parse_links(text: str) -> list[dict[str, str]]:
    """`type | title | url` (or `type | url`) per line -> link dicts; one error per bad line, naming it."""
    links = []
    errors = []
    is_url = URLValidator(schemes=["http", "https"])
    for number, line in _lines(text):
        parts = [part.strip() for part in line.split("|")]
        if len(parts) not in (2, 3):
            errors.append(f"Line {number}: write “type | title | url”.")
            continue
        kind, title, url = (parts[0], "", parts[1]) if len(parts) == 2 else parts
        kind = kind.lower()
        if kind not in ServiceLinkKind.values:
            errors.append(f"Line {number}: “{kind}” is not a link type (use one of {LINK_KINDS}).")
            continue
        try:
            is_url(url)
        except forms.ValidationError:
            errors.append(f"Line {number}: “{url}” is not an http(s) URL.")
            continue
        links.append({"kind": kind, "title": title, "url": url})
    if errors:
        raise forms.ValidationError(errors)
    return links


def labels_text(service: Service) -> str:
    return "\n".join(f"{label.key}={label.value}" for label in service.labels.all())


def links_text(service: Service) -> str:
    return "\n".join(f"{link.kind} | {link.title} | {link.url}" for link in service.links.all())


def policy_choices(organization: Organization) -> Any:
    """The org's escalation policies for the picker, by name (name and slug only). The model is the one the
    service's `escalation_policy` key points at: services sits below oncall and does not import it."""
    policy_model = Service._meta.get_field("escalation_policy").related_model
    return policy_model.objects.for_org(organization).order_by("name").only("pk", "name", "slug", "organization")


class ServiceForm(forms.Form):
    name = forms.CharField(max_length=100)
    slug = forms.CharField(
        max_length=63,
        required=False,
        help_text="Used in URLs and as the Backstage name. Derived from the name if empty.",
    )
    description = forms.CharField(
        max_length=limits.TEXT_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    tier = forms.TypedChoiceField(
        coerce=int,
        choices=TIER_CHOICES,
        initial=ServiceTier.TIER_3,
        widget=forms.RadioSelect(attrs={"class": "choice-list"}),
        help_text="How bad an outage is. Tier 1-2 services need a responding team.",
    )
    lifecycle = forms.ChoiceField(choices=ServiceLifecycle.choices, initial=ServiceLifecycle.PRODUCTION)
    health = forms.ChoiceField(choices=ServiceHealth.choices, initial=ServiceHealth.OPERATIONAL)
    owner_team = forms.ModelChoiceField(
        queryset=None,
        required=False,
        to_field_name="slug",
        label="Owner team",
        empty_label="— No owner —",
        help_text="Accountable for the service; its members may edit it.",
    )
    responding_teams = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        to_field_name="slug",
        label="Responding teams",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choice-list choice-grid"}),
        help_text="Teams pulled into this service's incidents besides the owner.",
    )
    escalation_policy = forms.ModelChoiceField(
        queryset=None,
        required=False,
        to_field_name="slug",
        label="Escalation policy",
        empty_label="— No policy: alerts page nobody —",
        help_text="Who is paged, in what order, when one of its integrations opens an alert.",
    )
    links = forms.CharField(
        max_length=limits.TEXT_MAX_CHARS,
        widget=forms.Textarea(
            attrs={"rows": 4, "class": "mono", "placeholder": "runbook | On-call runbook | https://"}
        ),
        required=False,
        help_text=f"One per line: <code>type | title | url</code>. Types: {LINK_KINDS}. Put the runbook first.",
    )
    labels = forms.CharField(
        max_length=limits.TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3, "class": "mono", "placeholder": "language=python"}),
        required=False,
        help_text="One <code>key=value</code> per line.",
    )
    dependencies = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        to_field_name="slug",
        label="Depends on",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choice-list choice-grid choice-scroll"}),
        help_text="Services this one needs to work (upstream). Its dependents are set on their own pages.",
    )

    def __init__(
        self,
        *args: Any,
        organization: Organization,
        service: Service | None = None,
        focus: str = "",
        **kwargs: Any,
    ) -> None:
        if service is not None:
            kwargs.setdefault("initial", self.initial_for(service))
        super().__init__(*args, **kwargs)
        teams = org_selectors.team_list(organization=organization)
        self.fields["owner_team"].queryset = teams
        self.fields["responding_teams"].queryset = teams
        self.fields["escalation_policy"].queryset = policy_choices(organization)
        others = selectors.service_list(organization=organization, include_archived=True)
        if service is not None:
            others = others.exclude(pk=service.pk)
        self.fields["dependencies"].queryset = others.select_related(None).prefetch_related(None)
        self.fields["dependencies"].label_from_instance = lambda s: f"{s.name} (archived)" if s.is_archived else s.name
        if service is None:
            self.fields["slug"].help_text += " Optional."
        if focus in self.fields:
            self.fields[focus].widget.attrs["autofocus"] = True

    @staticmethod
    def initial_for(service: Service) -> dict[str, Any]:
        """The form's starting values for an existing service (its relations come prefetched)."""
        return {
            "name": service.name,
            "slug": service.slug,
            "description": service.description,
            "tier": service.tier,
            "lifecycle": service.lifecycle,
            "health": service.health,
            "owner_team": service.owner_team.slug if service.owner_team_id else None,
            "responding_teams": [link.team.slug for link in service.responding_team_links.all()],
            "escalation_policy": service.escalation_policy.slug if service.escalation_policy_id else "",
            "links": links_text(service),
            "labels": labels_text(service),
            "dependencies": [edge.depends_on.slug for edge in service.dependency_edges.all()],
        }

    def clean_labels(self) -> dict[str, str]:
        return parse_labels(self.cleaned_data["labels"])

    def clean_links(self) -> list[dict[str, str]]:
        return parse_links(self.cleaned_data["links"])

    @property
    def warns_no_owner(self) -> bool:
        """Production without an owner: allowed, but the page says so (nobody is accountable).

        A blank new-service form does not nag; the page's script shows the warning as soon as it applies.
        """
        if not self.is_bound and not self.initial.get("slug"):
            return False
        lifecycle = self["lifecycle"].value()
        return lifecycle == ServiceLifecycle.PRODUCTION and not self["owner_team"].value()

    def action_fields(self) -> dict[str, Any]:
        """cleaned_data in the shape services.actions takes (an empty slug means: keep or derive it)."""
        fields = dict(self.cleaned_data)
        fields["responding_teams"] = list(fields["responding_teams"])
        fields["dependencies"] = list(fields["dependencies"])
        if not fields["slug"]:
            fields.pop("slug")
        return fields


SORT_CHOICES = [
    ("name", "Name A-Z"),
    ("-name", "Name Z-A"),
    ("tier", "Tier, most critical first"),
    ("-tier", "Tier, least critical first"),
    ("lifecycle", "Lifecycle"),
    ("owner", "Owner team"),
    ("-updated", "Recently updated"),
]


class ServiceFilterForm(forms.Form):
    q = forms.CharField(max_length=limits.SEARCH_MAX_CHARS, required=False, label="Search")
    team = forms.ChoiceField(required=False)
    tier = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, choices=[("", "All tiers")])
    lifecycle = forms.ChoiceField(required=False, choices=[("", "All lifecycles"), *ServiceLifecycle.choices])
    label = forms.ChoiceField(required=False)
    archived = forms.BooleanField(required=False, label="Include archived")
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = org_selectors.team_list(organization=organization).values_list("slug", "name")
        self.fields["team"].choices = [("", "All teams"), *teams]
        self.fields["tier"].choices += ServiceTier.choices
        labels = selectors.label_choices(organization=organization)
        self.fields["label"].choices = [("", "All labels"), *((label, label) for label in labels)]

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for selectors.service_list; an invalid value is dropped, not an error page."""
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        return {
            "search": (data.get("q") or "").strip(),
            "team": data.get("team") or "",
            "tier": data.get("tier"),
            "lifecycle": data.get("lifecycle") or "",
            "label": data.get("label") or "",
            "include_archived": bool(data.get("archived")),
            "sort": data.get("sort") or "name",
        }


class HealthForm(forms.Form):
    health = forms.ChoiceField(choices=ServiceHealth.choices)


class ImportForm(forms.Form):
    file = forms.FileField(required=False, label="catalog-info.yaml file")
    yaml = forms.CharField(
        max_length=limits.YAML_MAX_BYTES,
        required=False,
        label="…or paste YAML",
        widget=forms.Textarea(
            attrs={"rows": 12, "class": "mono", "placeholder": "apiVersion: backstage.io/v1alpha1\nkind: Component"}
        ),
    )

    def clean(self) -> dict[str, Any]:
        """One YAML text from the upload or the paste box (the upload wins when both are given)."""
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is not None:
            if upload.size > MAX_IMPORT_BYTES:
                raise forms.ValidationError("The file is over 1 MB; split the catalog into several files.")
            try:
                cleaned["text"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError("The file is not UTF-8 text. Upload a catalog-info.yaml file.") from None
        else:
            cleaned["text"] = cleaned.get("yaml") or ""
        if not cleaned["text"].strip():
            raise forms.ValidationError("Choose a catalog-info.yaml file or paste its YAML.")
        return cleaned
