"""Resolve the organization of `/o/<org_slug>/...` URLs; a non-member gets 404, never 403."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from orgs import selectors


class OrganizationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.organization = None
        request.membership = None
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict[str, Any]
    ) -> None:
        slug = view_kwargs.get("org_slug")
        # Only the members' pages under /o/: public pages that name an org (/status/<org_slug>/) are for anyone,
        # including people signed in to another org.
        if slug is None or not request.user.is_authenticated or not request.path_info.startswith("/o/"):
            return
        membership = selectors.membership_for(user=request.user, slug=slug)
        request.membership = membership
        request.organization = membership.organization
