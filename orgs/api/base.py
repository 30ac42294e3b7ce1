"""Base classes every API viewset uses: the org comes from the token and scopes every queryset; every call
counts against its token's or its address's rate limit (orgs/api/throttles.py)."""

from typing import Any, ClassVar

from django.db.models import QuerySet
from django.http import HttpRequest
from rest_framework import exceptions, serializers, viewsets
from rest_framework.request import Request

from orgs.api.throttles import AnonymousRateThrottle, TokenRateThrottle
from orgs.models import MembershipRole, Organization
from orgs.tenancy import Actor


class OrgScopedViewSet(viewsets.GenericViewSet):
    """Org-scoped viewset: `get_queryset()` always filters by `request.organization`.

    Subclasses narrow with `scope_queryset(qs)`; overriding `get_queryset` is refused at class
    creation so no endpoint can forget the org filter.
    """

    write_role: ClassVar[str] = MembershipRole.ADMIN
    read_role: ClassVar[str] = MembershipRole.VIEWER
    action_roles: ClassVar[dict[str, str]] = {}
    throttle_classes = (TokenRateThrottle, AnonymousRateThrottle)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__} must not override get_queryset(); override scope_queryset() instead")

    @classmethod
    def as_view(cls, actions: dict | None = None, **initkwargs: Any) -> Any:
        view = super().as_view(actions, **initkwargs)
        view.login_required = False  # token auth, not the session: LoginRequiredMiddleware must not redirect
        return view

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        request.organization = request.auth.organization

    def perform_authentication(self, request: Request) -> None:
        """Authenticate, then count the call before anything may refuse it: a call with no or a wrong token
        (401) or too low a role (403) spends its budget too (DRF would check the throttles last)."""
        try:
            super().perform_authentication(request)
        finally:
            self.check_throttles(request)
            request.throttles_checked = True

    def check_throttles(self, request: Request) -> None:
        """Each budget once per call (the first check, from perform_authentication); a 429 names the limit."""
        if getattr(request, "throttles_checked", False):
            return
        for throttle in self.get_throttles():
            if not throttle.allow_request(request, self):
                raise exceptions.Throttled(wait=throttle.wait(), detail=throttle.describe())

    @property
    def organization(self) -> Organization:
        return self.request.organization

    @property
    def actor(self) -> Actor:
        return Actor.from_request(self.request)

    def get_write_role(self) -> str:
        return self.action_roles.get(self.action, self.write_role)

    def get_queryset(self) -> QuerySet:
        qs = self.queryset.model.objects.all()
        if getattr(self, "swagger_fake_view", False):
            return qs.none()
        return self.scope_queryset(self.tenant_filter(qs))

    def tenant_filter(self, qs: QuerySet) -> QuerySet:
        return qs.filter(organization=self.request.organization)

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        return qs

    def validated_input(
        self, serializer_class: type[serializers.Serializer], *, data: Any = None, partial: bool = False
    ) -> dict[str, Any]:
        """The request body (or `data`, e.g. the query parameters) checked by `serializer_class`; a 400 if invalid."""
        serializer = serializer_class(
            data=self.request.data if data is None else data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class OrgRelatedField(serializers.SlugRelatedField):
    """A related field whose choices are limited to the request's organization (other orgs: 'does not exist')."""

    def __init__(self, *, org_lookup: str = "organization", **kwargs: Any) -> None:
        self.org_lookup = org_lookup
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        request: HttpRequest = self.context["request"]
        return super().get_queryset().filter(**{self.org_lookup: request.organization})
