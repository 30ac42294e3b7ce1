"""Reads of the subscriber pages: the public page a sign-up is for, its components, the subscriber a link names."""

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from orgs.models import Organization
from statuspage.models import Component, StatusPage, Subscriber
from statuspage.subscribing.tokens import token_hash


def public_page_get(*, org_slug: str, page_slug: str | None = None) -> StatusPage:
    """The public status page (the org's default one, or the one with `page_slug`); 404 otherwise, private pages
    included: a private page takes no subscribers."""
    organization = get_object_or_404(Organization, slug=org_slug)
    pages = StatusPage.objects.for_org(organization).select_related("organization").filter(is_public=True)
    if page_slug is None:
        return get_object_or_404(pages, is_default=True)
    return get_object_or_404(pages, slug=page_slug)


def page_component_list(*, page: StatusPage) -> QuerySet[Component]:
    """The page's components in the page's order, with their groups (for the choice of what to follow)."""
    return (
        Component.objects.for_org(page.organization)
        .filter(page=page)
        .select_related("group")
        .order_by("group__position", "group__name", "position", "name", "pk")
    )


def subscriber_for_token(*, org_slug: str, token: str) -> Subscriber:
    """The subscriber (of any page of the org) whose links carry `token`; 404 for an unknown token."""
    if not token or len(token) > 200:
        raise Http404
    organization = get_object_or_404(Organization, slug=org_slug)
    return get_object_or_404(
        Subscriber.objects.for_org(organization).select_related("page__organization"), token_hash=token_hash(token)
    )


def subscriber_component_ids(*, subscriber: Subscriber) -> set[int]:
    return set(subscriber.component_links.values_list("component_id", flat=True))
