"""Forms of the subscriber pages: sign up (address and components) and manage (components)."""

from django import forms

from statuspage.models import Component


class ComponentChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Component) -> str:
        return f"{obj.group.name} · {obj.name}" if obj.group_id else obj.name


class SubscriptionForm(forms.Form):
    components = ComponentChoiceField(
        queryset=Component.objects.none(), required=False, help_text="None chosen: every component."
    )

    def __init__(self, *args: object, components: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["components"].queryset = components


class SignupForm(SubscriptionForm):
    email = forms.EmailField(max_length=254)

    field_order = ["email", "components"]
