from django.http import HttpRequest

from orgs import selectors


def organization(request: HttpRequest) -> dict:
    """The current org, the member's role and the switcher's list, for base.html."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "current_org": getattr(request, "organization", None),
        "current_membership": getattr(request, "membership", None),
        "user_orgs": selectors.organization_list_for_user(user=user),
    }
