"""API of notifications: members' contact methods and notification rules (admin tokens: API tokens belong to
the org, not to a person, so they manage any member's, naming the person in `user`), and the delivery log
(any token reads it; responder tokens retry a failed delivery). Objects are addressed by UUID."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import ID, UuidLookupMixin
from notifications import actions, selectors
from notifications.api import serializers
from notifications.models import ContactMethod, Notification, NotificationRule
from orgs.api.base import OrgScopedViewSet
from orgs.models import MembershipRole


@extend_schema_view(
    list=extend_schema(parameters=[serializers.UserFilterSerializer]),
    retrieve=extend_schema(parameters=[ID]),
)
class ContactMethodViewSet(UuidLookupMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    """Members' contact methods (personal data: admin tokens only). Creating one sends its verification."""

    queryset = ContactMethod.objects.all()
    serializer_class = serializers.ContactMethodOutputSerializer
    filter_backends: list = []
    read_role = MembershipRole.ADMIN
    write_role = MembershipRole.ADMIN

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        user = None
        if self.action == "list":
            user = self.validated_input(serializers.UserFilterSerializer, data=self.request.query_params).get("user")
        return selectors.contact_method_list(organization=self.organization, user=user)

    @extend_schema(
        request=serializers.ContactMethodInputSerializer, responses={201: serializers.ContactMethodCreatedSerializer}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Add a contact method for a member and send its verification (email: a link its owner opens; the
        others: a 6-digit code to POST to …/verify/). Webhooks: the response carries the signing `secret`, once."""
        fields = self.validated_input(serializers.ContactMethodInputSerializer)
        method, secret = actions.contact_method_create(organization=self.organization, actor=self.actor, **fields)
        method = self.get_queryset().get(pk=method.pk)
        method.secret = secret
        return Response(serializers.ContactMethodCreatedSerializer(method).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None}, parameters=[ID], description="Removes the method and its rules.")
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actions.contact_method_delete(method=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={202: serializers.ContactMethodOutputSerializer}, parameters=[ID])
    @action(detail=True, methods=["post"], url_path="send-verification")
    def send_verification(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Send a new verification link or code (the previous one stops working); at most one per 30 s."""
        method = self.get_object()
        actions.contact_method_verification_send(method=method, actor=self.actor)
        return Response(self.get_serializer(self.get_queryset().get(pk=method.pk)).data, status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=serializers.VerifyInputSerializer, responses=serializers.ContactMethodOutputSerializer, parameters=[ID]
    )
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Verify a webhook, chat, SMS or voice method with the code it received (5 tries, 15 minutes)."""
        method = self.get_object()
        code = self.validated_input(serializers.VerifyInputSerializer)["code"]
        actions.contact_method_verify_code(method=method, code=code, actor=self.actor)
        return Response(self.get_serializer(self.get_queryset().get(pk=method.pk)).data)

    @extend_schema(request=None, responses={202: serializers.NotificationOutputSerializer}, parameters=[ID])
    @action(detail=True, methods=["post"])
    def test(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Send a test message through a verified method; returns the delivery to follow."""
        notification = actions.contact_method_test_send(method=self.get_object(), actor=self.actor)
        return Response(serializers.NotificationOutputSerializer(notification).data, status.HTTP_202_ACCEPTED)


@extend_schema_view(
    list=extend_schema(parameters=[serializers.UserFilterSerializer]),
    retrieve=extend_schema(parameters=[ID]),
)
class NotificationRuleViewSet(UuidLookupMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    """Members' personal notification rules: "when paged, use this method after N minutes" (admin tokens)."""

    queryset = NotificationRule.objects.all()
    serializer_class = serializers.NotificationRuleOutputSerializer
    filter_backends: list = []
    read_role = MembershipRole.ADMIN
    write_role = MembershipRole.ADMIN

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        user = None
        if self.action == "list":
            user = self.validated_input(serializers.UserFilterSerializer, data=self.request.query_params).get("user")
        return selectors.notification_rule_list(organization=self.organization, user=user)

    @extend_schema(
        request=serializers.NotificationRuleInputSerializer,
        responses={201: serializers.NotificationRuleOutputSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Add a rule on a verified contact method; the rule belongs to the method's owner."""
        fields = self.validated_input(serializers.NotificationRuleInputSerializer)
        method = fields["contact_method"]
        rule = actions.notification_rule_create(
            organization=self.organization,
            user=method.user,
            contact_method=method,
            delay_minutes=fields["delay_minutes"],
            actor=self.actor,
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=rule.pk)).data, status.HTTP_201_CREATED)

    @extend_schema(responses={204: None}, parameters=[ID])
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        actions.notification_rule_delete(rule=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(parameters=[serializers.NotificationFilterSerializer]),
    retrieve=extend_schema(parameters=[ID]),
)
class NotificationViewSet(UuidLookupMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet):
    """The delivery log: every notification (page, hand-off, test, verification), newest first."""

    queryset = Notification.objects.all()
    serializer_class = serializers.NotificationOutputSerializer
    filter_backends: list = []
    write_role = MembershipRole.RESPONDER

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        if self.action != "list":
            return selectors.notification_list(organization=self.organization)
        params = self.validated_input(serializers.NotificationFilterSerializer, data=self.request.query_params)
        qs = selectors.notification_list(
            organization=self.organization, user=params.get("user"), status=params.get("status", "")
        )
        if "alert_group" in params:
            qs = qs.filter(alert_group__uuid=params["alert_group"])
        if "incident" in params:
            qs = qs.filter(incident__number=params["incident"])
        return qs.select_related("alert_group", "incident")

    @extend_schema(request=None, responses={202: serializers.NotificationOutputSerializer}, parameters=[ID])
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Send a failed delivery again now (attempts start over); 400 unless it failed."""
        notification = actions.notification_retry(notification=self.get_object(), actor=self.actor)
        return Response(self.get_serializer(notification).data, status.HTTP_202_ACCEPTED)
