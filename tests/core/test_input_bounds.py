"""Every string a client can send is bounded: by its column where it is stored, by a documented limit of
core.limits otherwise. Walks every form of the project and the request bodies of the whole OpenAPI schema,
so a field added later without a bound fails here instead of as a 500 on PostgreSQL."""

import importlib
import pkgutil
from collections.abc import Iterator

import pytest
from django import forms
from django.db import models
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from core import limits
from orgs.tenancy import FIREBREAK_APPS

PROJECT_PACKAGES = (*FIREBREAK_APPS, "core")
EMAIL_COLUMN = models.EmailField().max_length


def _import_project_modules() -> None:
    for package in PROJECT_PACKAGES:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            if ".migrations" not in info.name and ".management" not in info.name:
                importlib.import_module(info.name)


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def project_classes(base: type) -> list[type]:
    _import_project_modules()
    found = {c for c in _subclasses(base) if c.__module__.split(".")[0] in PROJECT_PACKAGES}
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def column_length(model: type[models.Model], name: str) -> int | None:
    """The max_length of model field `name` when it is a character column, else None."""
    try:
        field = model._meta.get_field(name)
    except Exception:
        return None
    if isinstance(field, models.CharField):
        return field.max_length
    return None


def is_free_text(field: forms.Field) -> bool:
    return (
        isinstance(field, forms.CharField)
        and not isinstance(field.widget, forms.PasswordInput)
        and not isinstance(field, forms.ChoiceField)
    )


def test_every_text_field_of_every_form_is_bounded_by_its_column_or_a_documented_limit():
    offenders = []
    for form in project_classes(forms.BaseForm):
        model = getattr(getattr(form, "_meta", None), "model", None)
        for name, field in form.base_fields.items():
            if not is_free_text(field):
                continue
            label = f"{form.__module__}.{form.__qualname__}.{name}"
            if field.max_length is None:
                offenders.append(f"{label}: no max_length")
                continue
            column = column_length(model, name) if model else None
            if isinstance(field, forms.EmailField):
                column = EMAIL_COLUMN  # every email column of the project is a default EmailField
            if column is not None and field.max_length > column:
                offenders.append(f"{label}: max_length {field.max_length} > column {column}")
            elif field.max_length > max(limits.LONG_TEXT_MAX_CHARS, limits.YAML_MAX_BYTES):
                offenders.append(f"{label}: max_length {field.max_length} beyond every documented limit")

    assert offenders == []


def test_model_serializers_are_bounded_by_their_columns():
    offenders = []
    for serializer_class in project_classes(serializers.ModelSerializer):
        if not hasattr(getattr(serializer_class, "Meta", None), "model"):
            continue
        model = serializer_class.Meta.model
        for name, field in serializer_class().fields.items():
            if field.read_only or not isinstance(field, serializers.CharField):
                continue
            column = column_length(model, field.source if field.source not in (None, "*") else name)
            if column is not None and (field.max_length is None or field.max_length > column):
                offenders.append(f"{serializer_class.__qualname__}.{name}: {field.max_length} vs column {column}")

    assert offenders == []


def _request_serializers() -> list[type[serializers.Serializer]]:
    """The serializers the API reads request bodies with: the `...Request` components of the schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    names = {
        name.removeprefix("Patched").removesuffix("Request") + "Serializer"
        for name in schema["components"]["schemas"]
        if name.endswith("Request")
    }
    by_name = {c.__name__: c for c in project_classes(serializers.BaseSerializer)}
    assert sorted(n for n in names if n not in by_name) == [], "a request component with no serializer class"
    # An output serializer documented as a PATCH body (the viewset's serializer_class) never parses one: the
    # view reads the body with its input serializer, which is walked here under its own name.
    return [by_name[n] for n in sorted(names) if "Output" not in n]


def _unbounded_fields(field: serializers.Field, path: str) -> Iterator[str]:
    if isinstance(field, serializers.ListSerializer):
        yield from _unbounded_fields(field.child, f"{path}[]")
    elif isinstance(field, serializers.BaseSerializer):
        for name, child in field.fields.items():
            if not child.read_only:
                yield from _unbounded_fields(child, f"{path}.{name}")
    elif isinstance(field, serializers.ListField | serializers.DictField):
        yield from _unbounded_fields(field.child, f"{path}[]")
    elif isinstance(field, serializers.CharField) and field.max_length is None:
        yield path
    elif isinstance(field, serializers.EmailField) and field.max_length > EMAIL_COLUMN:
        yield f"{path} ({field.max_length} > {EMAIL_COLUMN})"


@pytest.mark.django_db
def test_every_text_field_of_every_api_request_body_is_bounded():
    offenders = []
    for serializer_class in _request_serializers():
        offenders += list(_unbounded_fields(serializer_class(), serializer_class.__name__))

    assert offenders == []
