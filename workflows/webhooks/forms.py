"""Forms of the outbound webhook pages (the actions validate again: the outbound guard, known event types)."""

from django import forms

from workflows.webhooks import actions, catalog


class EndpointForm(forms.Form):
    url = forms.CharField(
        label="URL",
        max_length=actions.URL_MAX,
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/webhooks/firebreak"}),
        help_text="Firebreak POSTs each event here as JSON, signed per the Standard Webhooks spec.",
    )
    description = forms.CharField(max_length=actions.DESCRIPTION_MAX, required=False)
    event_types = forms.MultipleChoiceField(
        label="Events",
        choices=catalog.event_type_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every event, including the ones added later.",
    )
    include_drills = forms.BooleanField(label="Also send events about drill incidents", required=False, initial=False)
    is_enabled = forms.BooleanField(label="Enabled", required=False, initial=True)

    def clean_url(self) -> str:
        return self.cleaned_data["url"].strip()
