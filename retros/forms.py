"""Forms of the retrospective pages. People are chosen by user id (uuid) among the org's members, factors and
templates by slug, from querysets of the request's org."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from core import limits, safejson
from core.fields import UTCDateTimeField
from core.forms import member_field
from orgs import selectors as org_selectors
from orgs.models import MembershipRole, Organization
from retros import editing, selectors
from retros.models import RetroSection, RetrospectiveStatus

STATUS_FILTERS = [("", "Any status"), *RetrospectiveStatus.choices]


class RetrospectiveDetailsForm(forms.Form):
    title = forms.CharField(max_length=200)
    due_at = UTCDateTimeField(required=False, label="Due (UTC)")
    reviewers = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        to_field_name="uuid",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choice-list choice-scroll"}),
        help_text="Who reads it before it is published.",
    )
    factors = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        to_field_name="slug",
        label="Contributing factors",
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choice-list factor-choices"}),
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"] = member_field(
            org_selectors.member_choices(organization=organization),
            required=False,
            empty_label="Nobody yet",
            label="Owner",
        )
        writers = org_selectors.member_choices(organization=organization).exclude(
            memberships__organization=organization, memberships__role=MembershipRole.VIEWER
        )
        self.fields["reviewers"].queryset = writers
        self.fields["owner"].queryset = writers
        self.fields["reviewers"].label_from_instance = lambda user: user.display_name
        self.fields["factors"].queryset = selectors.contributing_factor_list(organization=organization)
        self.order_fields(["title", "owner", "due_at", "reviewers", "factors"])


EDITOR = "retro-editor"  # the editor's <form> id: the details fields in the side column belong to it too


class RetrospectiveEditForm(RetrospectiveDetailsForm):
    """The editor's one form: the details, every section of `sections` (field "section-<key>") and the base
    (fingerprints of what the page was loaded with, JSON) that retros.editing checks concurrent saves against."""

    base = forms.CharField(required=False, max_length=limits.TEXT_MAX_CHARS, widget=forms.HiddenInput)

    def __init__(self, *args: Any, sections: list[RetroSection], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sections = sections
        for section in sections:
            self.fields[editing.section_field(section.key)] = forms.CharField(
                required=False,
                strip=False,
                max_length=editing.MAX_SECTION_LENGTH,
                label=section.title,
                widget=forms.Textarea(attrs={"rows": 12 if section.key == "timeline" else 6}),
            )
        for name in editing.DETAIL_FIELDS:
            self.fields[name].widget.attrs["form"] = EDITOR

    def clean_base(self) -> dict[str, str]:
        text = self.cleaned_data.get("base") or "{}"
        try:
            base = safejson.loads(text)
        except ValueError:  # safejson.JSONRefused too: invalid, NaN, or nested too deeply
            base = None
        if not isinstance(base, dict) or not all(isinstance(v, str) for v in base.values()):
            raise ValidationError("This page is out of date: copy what you typed, reload the page and save again.")
        return base

    def section_field(self, section: RetroSection) -> forms.BoundField:
        return self[editing.section_field(section.key)]

    def details(self) -> dict[str, Any]:
        """The details sent: a field missing from the post is left as it is (checkbox lists send nothing when
        none is ticked, so they are always taken)."""
        return {
            name: self.cleaned_data[name]
            for name in editing.DETAIL_FIELDS
            if name in self.data or name in ("reviewers", "factors")
        }

    def section_bodies(self) -> dict[str, str]:
        """The sections sent (a section missing from the post is left as it is)."""
        return {
            s.key: self.cleaned_data[editing.section_field(s.key)]
            for s in self.sections
            if editing.section_field(s.key) in self.data
        }


class RetrospectiveCreateForm(forms.Form):
    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"] = member_field(
            org_selectors.member_choices(organization=organization), required=False, empty_label="Me", label="Owner"
        )
        self.fields["owner"].queryset = self.fields["owner"].queryset.exclude(
            memberships__organization=organization, memberships__role=MembershipRole.VIEWER
        )
        self.fields["template"] = forms.ModelChoiceField(
            queryset=selectors.retro_template_list(organization=organization),
            to_field_name="slug",
            required=False,
            empty_label="The default template",
        )


class TransitionForm(forms.Form):
    status = forms.ChoiceField(choices=RetrospectiveStatus.choices)


class RetrospectiveFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=STATUS_FILTERS)
    overdue = forms.BooleanField(required=False, label="Overdue only")
    factor = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        factors = selectors.contributing_factor_list(organization=organization).values_list("slug", "name")
        self.fields["factor"].choices = [("", "Any factor"), *factors]
        self.fields["owner"] = member_field(
            org_selectors.member_choices(organization=organization), required=False, empty_label="Any owner"
        )

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "status": data.get("status", ""),
            "overdue": bool(data.get("overdue")),
            "factor": data.get("factor", ""),
            "owner": data.get("owner"),
        }


# --- settings -------------------------------------------------------------------------------------


class RetroSettingsForm(forms.Form):
    severity_rank_max = forms.IntegerField(
        min_value=0,
        max_value=99,
        label="Severities that need a retrospective",
        help_text="Rank this or worse (1 is the worst): 3 means SEV1 to SEV3. 0: none by rank.",
    )
    include_major = forms.BooleanField(required=False, label="Every major incident needs one, whatever its rank")
    include_drills = forms.BooleanField(required=False, label="Drills get a retrospective too")
    due_business_days = forms.IntegerField(
        min_value=1,
        max_value=60,
        label="Due after (business days)",
        help_text="Counted Monday to Friday from when the incident resolves. The owner is reminded a day before.",
    )


class SectionsField(forms.CharField):
    """Sections typed one per line as "Title: prompt"; a list of {"title", "prompt"} dicts."""

    widget = forms.Textarea(attrs={"rows": 10, "class": "mono"})

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", limits.TEXT_MAX_CHARS)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(f"{s['title']}: {s.get('prompt', '')}".rstrip(": ") for s in value)
        return value

    def to_python(self, value: Any) -> list[dict[str, str]]:
        text = super().to_python(value) or ""
        if len(text) > self.max_length:  # the validators see the list of sections, not the text
            raise forms.ValidationError(
                f"Ensure this value has at most {self.max_length} characters (it has {len(text)})."
            )
        sections = []
        for line in text.splitlines():
            if not line.strip():
                continue
            title, _, prompt = line.partition(":")
            sections.append({"title": title.strip(), "prompt": prompt.strip()})
        return sections


class RetroTemplateForm(forms.Form):
    name = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"autofocus": True}))
    slug = forms.SlugField(max_length=64, required=False, help_text="Used in the API. Empty: derived from the name.")
    description = forms.CharField(max_length=300, required=False)
    sections = SectionsField(
        help_text="One section per line, as <code>Title: prompt for the writer</code>. "
        "Summary, Customer impact and Timeline are drafted from the incident's data."
    )
    is_default = forms.BooleanField(required=False, label="Default template for new retrospectives")


class ContributingFactorForm(forms.Form):
    name = forms.CharField(max_length=64, widget=forms.TextInput(attrs={"autofocus": True}))
    slug = forms.SlugField(max_length=64, required=False, help_text="Used in the API. Empty: derived from the name.")
    description = forms.CharField(max_length=300, required=False, help_text="When to tag it.")
