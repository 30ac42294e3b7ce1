"""Shared form, serializer and filter fields that bound what a client can send.

Dates: every date or date-time a client sends goes through a field of this module, which refuses
anything outside `limits.DATE_MIN`..`limits.DATE_MAX` (1970-01-01 to 2100-12-31) with a field error.
Without the bound, `since=0001-01-01` or `until=9999-12-31` parse fine and then overflow the first
`± timedelta` (OverflowError, a 500) or a PostgreSQL timestamp.
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django_filters import filters as django_filters
from django_filters.fields import IsoDateTimeField
from rest_framework import serializers

from core import limits

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
DATE_RANGE_MESSAGE = f"Enter a date between {limits.DATE_MIN.isoformat()} and {limits.DATE_MAX.isoformat()}."


def validate_date_in_range(value: date | datetime | None) -> None:
    """Refuse a date or datetime outside the supported range (naive datetimes are taken as UTC)."""
    if value is None:
        return
    if isinstance(value, datetime):
        aware = value if timezone.is_aware(value) else value.replace(tzinfo=limits.DATETIME_MIN.tzinfo)
        inside = limits.DATETIME_MIN <= aware <= limits.DATETIME_MAX
    else:
        inside = limits.DATE_MIN <= value <= limits.DATE_MAX
    if not inside:
        raise ValidationError(DATE_RANGE_MESSAGE, code="date_out_of_range")


# --- forms --------------------------------------------------------------------------------------------


def _input_type(widget: forms.Widget) -> str:
    return widget.attrs.get("type") or getattr(widget, "input_type", "")


class BoundedDateField(forms.DateField):
    default_validators = [validate_date_in_range]

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        """The range on a date input too, so the browser's picker offers nothing outside it."""
        attrs = super().widget_attrs(widget)
        if _input_type(widget) == "date":
            attrs.update(min=limits.DATE_MIN.isoformat(), max=limits.DATE_MAX.isoformat())
        return attrs


class BoundedDateTimeField(forms.DateTimeField):
    default_validators = [validate_date_in_range]

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        if _input_type(widget) == "datetime-local":
            attrs.update(min=f"{limits.DATE_MIN.isoformat()}T00:00", max=f"{limits.DATE_MAX.isoformat()}T23:59")
        return attrs

    def to_python(self, value: Any) -> datetime | None:
        try:
            return super().to_python(value)
        except OverflowError:  # making 0001-01-01 00:00 aware in a zone east of UTC leaves the calendar
            raise ValidationError(DATE_RANGE_MESSAGE, code="date_out_of_range") from None


class ZonedDateTimeField(BoundedDateTimeField):
    """A `datetime-local` input read and shown in the time zone `tz` (UTC unless given), whatever the server's or
    browser's time zone; the value is an aware datetime in UTC."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local", "step": 60}, format=DATETIME_LOCAL)

    def __init__(self, *, tz: tzinfo = UTC, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", [DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"])
        self.tz = tz
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return timezone.localtime(value, self.tz).strftime(DATETIME_LOCAL)
        return value

    def to_python(self, value: Any) -> datetime | None:
        with timezone.override(self.tz):
            result = super().to_python(value)
        return result.astimezone(UTC) if result else None


class UTCDateTimeField(ZonedDateTimeField):
    """A `datetime-local` input read and shown as UTC (times the whole org reads the same)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(tz=UTC, **kwargs)


class BoundedIsoDateTimeField(IsoDateTimeField):
    default_validators = [validate_date_in_range]


# --- django-filter -------------------------------------------------------------------------------------


class BoundedIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField


# --- DRF ------------------------------------------------------------------------------------------------


class BoundedSerializerDateField(serializers.DateField):
    default_validators = [validate_date_in_range]


class BoundedSerializerDateTimeField(serializers.DateTimeField):
    default_validators = [validate_date_in_range]


def optional_datetime_fields(
    model: type[models.Model], names: Sequence[str], **help_texts: str
) -> tuple[BoundedSerializerDateTimeField, ...]:
    """Optional bounded date-time fields for the model's fields `names`, in that order, null where the model
    allows it; a serializer's body unpacks them: `started_at, ended_at = optional_datetime_fields(M, ("started_at",
    "ended_at"))`."""
    return tuple(
        BoundedSerializerDateTimeField(
            required=False, allow_null=model._meta.get_field(name).null, help_text=help_texts.get(name)
        )
        for name in names
    )
