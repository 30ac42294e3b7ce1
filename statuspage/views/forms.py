"""Forms of the status page admin pages. Services, groups, components and members are chosen among the page's
own (or the org's), so another org's objects are plain "not a valid choice" errors."""

from typing import Any
from zoneinfo import ZoneInfo

from django import forms

from core import limits
from core.fields import ZonedDateTimeField
from core.forms import SettingsForm
from core.timefmt import time_zone_choices
from orgs import selectors as org_selectors
from services import selectors as service_selectors
from statuspage.models import (
    LOGO_MAX_BYTES,
    Component,
    ComponentGroup,
    ComponentStatus,
    MaintenanceStatus,
    PublicIncidentImpact,
    StatusPage,
)


class UuidChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class UuidMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class StatusPageForm(SettingsForm):
    layout = [
        ["title", "slug"],
        ["description"],
        ["time_zone", "custom_domain"],
        ["is_public"],
        ["allowed_viewers"],
        ["is_default"],
        ["logo"],
        ["remove_logo"],
    ]

    title = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"placeholder": "Acme status"}))
    slug = forms.SlugField(
        max_length=50, required=False, help_text="In the page's address. Left empty: made from the title."
    )
    description = forms.CharField(
        max_length=limits.TEXT_MAX_CHARS, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    time_zone = forms.ChoiceField(help_text="Times on the public page are shown in this zone.")
    custom_domain = forms.CharField(
        max_length=253,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "status.example.com"}),
        help_text="Point its CNAME at Firebreak and your proxy at this page's public address (docs/statuspage.md).",
    )
    is_public = forms.BooleanField(
        required=False, label="Public", help_text="Off: only signed-in members on the viewer list see the page."
    )
    is_default = forms.BooleanField(
        required=False, label="Default page", help_text="The page at /status/<org>/ (one per organization)."
    )
    logo = forms.FileField(
        required=False, help_text="PNG, JPEG or WebP, at most 256 KiB. Shown at the top of the public page."
    )
    remove_logo = forms.BooleanField(required=False, label="Remove the current logo")

    def __init__(self, *args: Any, organization: Any, page: StatusPage | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices(page.time_zone if page else "UTC")
        self.fields["allowed_viewers"] = forms.ModelMultipleChoiceField(
            queryset=org_selectors.member_choices(organization=organization),
            to_field_name="uuid",
            required=False,
            label="Allowed viewers",
            help_text="Members who may see the page while it is private.",
            widget=forms.CheckboxSelectMultiple,
        )
        self.fields["allowed_viewers"].label_from_instance = lambda user: user.display_name
        if page is None or not page.logo_content_type:
            del self.fields["remove_logo"]
            self.layout = [row for row in self.layout if row != ["remove_logo"]]
        if page is not None and page.is_default:
            self.fields["is_default"].disabled = True
            self.fields["is_default"].help_text = "This is the default page; make another page the default instead."

    def clean_logo(self) -> bytes | None:
        upload = self.cleaned_data.get("logo")
        if not upload:
            return None
        if upload.size > LOGO_MAX_BYTES:
            raise forms.ValidationError(f"The logo is {upload.size // 1024} KiB; at most 256 KiB.")
        return upload.read()


class ComponentGroupForm(SettingsForm):
    layout = [["name"], ["description"]]
    name = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"placeholder": "Payments", "autofocus": True}))
    description = forms.CharField(
        max_length=limits.TEXT_MAX_CHARS, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ComponentForm(SettingsForm):
    layout = [["name"], ["description"], ["service", "group"]]
    name = forms.CharField(
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "Checkout", "autofocus": True}),
        help_text="What visitors call it; need not be the service's name.",
    )
    description = forms.CharField(
        max_length=limits.TEXT_MAX_CHARS, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, page: StatusPage, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        services = service_selectors.service_list(organization=page.organization)
        self.fields["service"] = UuidChoiceField(
            queryset=services,
            to_field_name="slug",
            required=False,
            empty_label="No service (status set by hand)",
            help_text="Its status follows this service's health.",
        )
        self.fields["group"] = UuidChoiceField(
            queryset=ComponentGroup.objects.filter(page=page), to_field_name="uuid", required=False, empty_label="None"
        )


class ComponentOverrideForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "Follow the service (no override)"), *ComponentStatus.choices], required=False
    )
    reason = forms.CharField(
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Card payments fail at the provider"}),
        help_text="Required to set a status by hand; kept in the audit log.",
    )


class MaintenanceForm(SettingsForm):
    layout = [["title"], ["scheduled_for", "scheduled_until"], ["body"], ["components"]]
    title = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"placeholder": "Database upgrade"}))
    scheduled_for = ZonedDateTimeField(label="Starts")
    scheduled_until = ZonedDateTimeField(label="Ends")
    body = forms.CharField(
        max_length=limits.TEXT_MAX_CHARS,
        required=False,
        label="Announcement",
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "What will happen and what visitors will notice."}),
    )

    def __init__(self, *args: Any, page: StatusPage, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in (("scheduled_for", "Starts"), ("scheduled_until", "Ends")):
            self.fields[name] = ZonedDateTimeField(tz=ZoneInfo(page.time_zone), label=f"{label} ({page.time_zone})")
        self.fields["components"] = UuidMultipleChoiceField(
            queryset=Component.objects.filter(page=page),
            to_field_name="uuid",
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text="They show under maintenance while it is in progress.",
        )


class MaintenanceTransitionForm(forms.Form):
    status = forms.ChoiceField(choices=MaintenanceStatus.choices)
    body = forms.CharField(max_length=limits.TEXT_MAX_CHARS, required=False)


class MaintenancePostForm(forms.Form):
    body = forms.CharField(
        max_length=limits.TEXT_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 2}), label="Post an update"
    )


class PublicIncidentForm(SettingsForm):
    layout = [["title", "impact"], ["components"]]
    title = forms.CharField(max_length=200, label="Public title")
    impact = forms.ChoiceField(choices=PublicIncidentImpact.choices)

    def __init__(self, *args: Any, page: StatusPage, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["components"] = UuidMultipleChoiceField(
            queryset=Component.objects.filter(page=page),
            to_field_name="uuid",
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label="Affected components",
        )


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])
