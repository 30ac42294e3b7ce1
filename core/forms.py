"""Shared form fields (the bounded date fields are in core.fields). Each takes its choices from the caller, which
limits them to the request's organization."""

from typing import Any

from django import forms


class MemberChoiceField(forms.ModelChoiceField):
    """Choose a person by their public uuid, shown by name; the queryset is the org's members."""

    def label_from_instance(self, obj: Any) -> str:
        return obj.display_name


def member_field(queryset: Any, **kwargs: Any) -> MemberChoiceField:
    """A MemberChoiceField over `queryset` (people of one organization), chosen by uuid."""
    return MemberChoiceField(queryset=queryset, to_field_name="uuid", **kwargs)
