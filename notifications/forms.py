"""Forms of the notification pages. Contact methods are chosen by uuid among the signed-in person's own
verified methods, so another person's or org's identifiers are plain "not a valid choice" errors."""

from typing import Any

from django import forms

from notifications import channels, selectors
from notifications.models import ContactKind, ContactMethod, NotificationStatus
from orgs.models import Organization, User

STATUS_FILTERS = [("", "Any status"), *NotificationStatus.choices]
PLACEHOLDERS = {
    ContactKind.EMAIL: "you@example.com",
    ContactKind.WEBHOOK: "https://hooks.example.com/firebreak",
    ContactKind.CHAT: "https://hooks.slack.com/services/…",
    ContactKind.SMS: "+447700900123",
    ContactKind.VOICE: "+447700900123",
}


def kind_choices() -> list[tuple[str, str]]:
    if channels.twilio_configured():
        return list(ContactKind.choices)
    return [
        (value, f"{label} (not configured on this server)" if value in ("sms", "voice") else label)
        for value, label in ContactKind.choices
    ]


class ContactMethodForm(forms.Form):
    kind = forms.ChoiceField(choices=ContactKind.choices, label="Type")
    address = forms.CharField(
        max_length=1000,
        label="Address",
        help_text="An email address, an http(s) URL, or a phone number in international format (+44…).",
        widget=forms.TextInput(attrs={"placeholder": "you@example.com", "autocomplete": "off"}),
    )
    label = forms.CharField(
        max_length=100, required=False, widget=forms.TextInput(attrs={"placeholder": "e.g. Work phone"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kind_choices()


class VerificationCodeForm(forms.Form):
    code = forms.CharField(
        max_length=12,
        label="Verification code",
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "placeholder": "123456", "size": 8}
        ),
    )


class MethodChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ContactMethod) -> str:
        return f"{obj.get_kind_display()}: {obj.label or obj.address}"


class NotificationRuleForm(forms.Form):
    contact_method = MethodChoiceField(queryset=None, to_field_name="uuid", empty_label="Choose a verified method…")
    delay_minutes = forms.IntegerField(
        min_value=0, max_value=24 * 60, initial=0, label="After (minutes)", help_text="0 = as soon as you are paged."
    )

    def __init__(self, *args: Any, organization: Organization, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        methods = selectors.contact_method_list(organization=organization, user=user)
        self.fields["contact_method"].queryset = methods.filter(verified_at__isnull=False)


class NotificationFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=STATUS_FILTERS)

    def status_value(self) -> str:
        return (self.cleaned_data.get("status") or "") if self.is_valid() else ""
