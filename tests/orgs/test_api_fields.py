"""orgs.api.fields.MemberField, the one field every API uses to name a person, and OrgScopedViewSet.validated_input,
the one way every viewset reads its input."""

from types import SimpleNamespace

import pytest
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from orgs.api.base import OrgScopedViewSet
from orgs.api.fields import MemberField
from orgs.models import Membership

pytestmark = pytest.mark.django_db


class PersonSerializer(serializers.Serializer):
    user = MemberField()
    pager = MemberField(active_only=True, required=False)
    people = serializers.ListField(child=MemberField(), required=False)


def read(org, **data):
    serializer = PersonSerializer(data=data, context={"request": SimpleNamespace(organization=org)})
    return serializer.validated_data if serializer.is_valid() else serializer.errors


@pytest.fixture
def ada(org, make_member):
    return make_member(org, email="Ada@acme.test").user


def test_a_member_is_named_by_uuid_or_by_email_in_any_case(org, ada):
    assert read(org, user=str(ada.uuid))["user"] == ada
    assert read(org, user=" ada@ACME.test ")["user"] == ada
    assert read(org, user="x", people=[str(ada.uuid), "ada@acme.test"]) == {
        "user": ["No member of this organization matches."]
    }
    assert MemberField().to_representation(ada) == str(ada.uuid)


@pytest.mark.parametrize("ref", ["nobody@acme.test", "not-a-uuid", "", "12", "owner@globex.test"])
def test_anyone_else_is_no_member(org, ada, other_member, ref):
    assert read(org, user=ref) == {"user": ["No member of this organization matches."]}


def test_an_inactive_member_is_a_member_but_no_pager(org, ada):
    ada.is_active = False
    ada.save(update_fields=["is_active"])

    assert read(org, user=str(ada.uuid), pager=str(ada.uuid)) == {"pager": ["No member of this organization matches."]}
    assert read(org, user=str(ada.uuid))["user"] == ada


class Echo(OrgScopedViewSet):
    queryset = Membership.objects.all()


class LimitSerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1)
    name = serializers.CharField()

    def validate(self, attrs):
        assert self.context["view"] is not None  # the viewset's context reaches the serializer
        return attrs


def viewset_for(request):
    view = Echo()
    view.request, view.format_kwarg = Request(request, parsers=[JSONParser()]), None
    return view


def test_validated_input_reads_the_body_or_the_given_data_whole_or_partial():
    factory = APIRequestFactory()
    view = viewset_for(factory.post("/?limit=3&name=q", {"limit": 5, "name": "body"}, format="json"))

    assert view.validated_input(LimitSerializer) == {"limit": 5, "name": "body"}
    assert view.validated_input(LimitSerializer, data=view.request.query_params) == {"limit": 3, "name": "q"}

    view = viewset_for(factory.patch("/", {"limit": 2}, format="json"))
    assert view.validated_input(LimitSerializer, partial=True) == {"limit": 2}
    with pytest.raises(ValidationError) as refused:
        view.validated_input(LimitSerializer)
    assert refused.value.detail == {"name": ["This field is required."]}
