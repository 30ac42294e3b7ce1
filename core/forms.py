"""Shared form fields and forms (the bounded date fields are in core.fields). A member field takes its choices from
the caller, which limits them to the request's organization."""

from typing import Any

from django import forms


class MemberChoiceField(forms.ModelChoiceField):
    """Choose a person by their public uuid, shown by name; the queryset is the org's members."""

    def label_from_instance(self, obj: Any) -> str:
        return obj.display_name


def member_field(queryset: Any, **kwargs: Any) -> MemberChoiceField:
    """A MemberChoiceField over `queryset` (people of one organization), chosen by uuid."""
    return MemberChoiceField(queryset=queryset, to_field_name="uuid", **kwargs)


class SettingsForm(forms.Form):
    """A settings form laid out in rows: each row is one line of fields (several on wide screens). The settings
    form page (templates/core/settings_form.html) shows a form with a `layout` in these rows."""

    layout: list[list[str]] = []

    def rows(self) -> list[list[forms.BoundField]]:
        return [[self[name] for name in row] for row in self.layout]
