"""Where a status page is seen by the public, for the admin pages and the API to link to it."""

from django.urls import NoReverseMatch, reverse

from statuspage.models import StatusPage


def public_path(page: StatusPage) -> str:
    """The page's public path: /status/<org-slug>/ for the org's default page, else under it by the page's slug."""
    org_slug = page.organization.slug
    try:
        if page.is_default:
            return reverse("statuspage_public:page", kwargs={"org_slug": org_slug})
        return reverse("statuspage_public:page-other", kwargs={"org_slug": org_slug, "page_slug": page.slug})
    except NoReverseMatch:
        return f"/status/{org_slug}/" if page.is_default else f"/status/{org_slug}/{page.slug}/"
