"""Serializer fields that name something of the token's organization."""

import contextlib
import uuid
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orgs import selectors
from orgs.models import User


@extend_schema_field(OpenApiTypes.STR)
class MemberField(serializers.Field):
    """A person given by user id (uuid) or email; only members of the token's organization match (with
    `active_only`, only active ones: people who can still be paged)."""

    default_error_messages = {"no_member": "No member of this organization matches."}

    def __init__(self, *, active_only: bool = False, **kwargs: Any) -> None:
        self.active_only = active_only
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> User:
        ref = str(data).strip()
        members = selectors.member_choices(organization=self.context["request"].organization)
        if self.active_only:
            members = members.filter(is_active=True)
        user = None
        if "@" in ref:
            user = members.filter(email__iexact=ref).first()
        else:
            with contextlib.suppress(ValueError):
                user = members.filter(uuid=uuid.UUID(ref)).first()
        if user is None:
            self.fail("no_member")
        return user

    def to_representation(self, user: User) -> str:
        return str(user.uuid)
