"""Forms of stakeholder updates: an audience, a template (admins), and the send form on the incident page.
Choices are limited to the request's organization; the checks that matter live in the actions (the API
calls them too), which the forms call early so that a refused URL or placeholder is a field error."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from core import limits
from core.forms import SettingsForm
from orgs.models import Organization
from statuspage.models import Audience, AudienceKind, StakeholderTemplate
from statuspage.stakeholders import actions, payloads

PLACEHOLDER_HELP = "Placeholders: " + " ".join("{" + name + "}" for name in payloads.PLACEHOLDERS) + "."


class AudienceForm(SettingsForm):
    name = forms.CharField(max_length=100)
    kind = forms.ChoiceField(choices=AudienceKind.choices)
    emails = forms.CharField(
        required=False,
        max_length=limits.TEXT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Email lists: one address per line.",
    )
    webhook_url = forms.CharField(
        required=False,
        max_length=2000,
        label="Webhook URL",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Slack, Mattermost or Teams Workflows: the incoming webhook's URL. It is a secret: once saved, "
        "only its host is shown.",
    )
    active = forms.BooleanField(required=False, initial=True, help_text="Offered when sending an update.")

    layout = [["name", "kind"], ["emails"], ["webhook_url"], ["active"]]

    def __init__(self, *args: Any, audience: Audience | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.audience = audience
        if audience is not None:
            del self.fields["kind"]
            self.layout = [["name"], ["emails"] if audience.kind == AudienceKind.EMAIL else ["webhook_url"], ["active"]]
            if audience.kind == AudienceKind.EMAIL:
                del self.fields["webhook_url"]
            else:
                del self.fields["emails"]
                masked = actions.webhook_url_masked(audience.webhook_url)
                self.fields[
                    "webhook_url"
                ].help_text = f"Saved: {masked} Leave empty to keep it; paste a new URL to replace it."

    def clean_webhook_url(self) -> str:
        url = self.cleaned_data.get("webhook_url", "").strip()
        if url:
            actions.webhook_url_check(url)  # the guard's early answer: a field error, not a failed send later
        return url

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = self.audience.kind if self.audience is not None else data.get("kind")
        if self.audience is None and kind:
            if kind == AudienceKind.EMAIL and not data.get("emails", "").strip():
                self.add_error("emails", "List at least one email address, one per line.")
            if kind != AudienceKind.EMAIL and not data.get("webhook_url") and "webhook_url" not in self.errors:
                self.add_error("webhook_url", "Paste the incoming webhook's URL.")
        if kind == AudienceKind.EMAIL and data.get("emails", "").strip():
            try:
                actions.emails_parse(data["emails"])
            except ValidationError as exc:
                self.add_error("emails", exc)
        return data


class StakeholderTemplateForm(SettingsForm):
    name = forms.CharField(max_length=100)
    body = forms.CharField(
        max_length=limits.TEXT_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 6}), help_text=PLACEHOLDER_HELP
    )

    layout = [["name"], ["body"]]

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        try:
            payloads.template_fields(body)
        except payloads.TemplateError as exc:
            raise ValidationError(str(exc)) from exc
        return body


class AudienceChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_kind_display()})"


class StakeholderSendForm(forms.Form):
    """Audiences and template by uuid, among the org's active audiences and its templates only."""

    audiences = AudienceChoiceField(queryset=Audience.objects.none(), to_field_name="uuid")
    template = forms.ModelChoiceField(
        queryset=StakeholderTemplate.objects.none(), to_field_name="uuid", required=False, empty_label="No template"
    )
    message = forms.CharField(max_length=actions.MESSAGE_MAX, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["audiences"].queryset = Audience.objects.for_org(organization).filter(active=True)
        self.fields["template"].queryset = StakeholderTemplate.objects.for_org(organization)
