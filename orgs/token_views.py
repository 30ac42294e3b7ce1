"""API token pages (admins): the list, create, the secret shown once, revoke.

A token's secret is shown once: creating answers 303 to the token's page, which shows the secret stashed in
the session for that one read (core.reveal). A refresh there neither creates a second token nor shows the
secret again."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from core.reveal import reveal_stash, reveal_take, see_other
from orgs import actions, selectors
from orgs.forms import ApiTokenForm
from orgs.models import ApiToken
from orgs.permissions import ADMIN, role_required
from orgs.tenancy import Actor
from orgs.web import form_add_validation_error, paginate


def _reveal_name(token: ApiToken) -> str:
    return f"api-token:{token.uuid}"


@require_GET
@role_required(ADMIN)
def api_token_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    tokens = paginate(request, selectors.api_token_list(organization=request.organization))
    return render(request, "orgs/api_token_list.html", {"page": tokens})


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def api_token_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = actions.api_token_create(
                organization=request.organization, actor=Actor.from_request(request), **form.cleaned_data
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            reveal_stash(request, _reveal_name(token), raw)
            return see_other(reverse("orgs:api-token-created", kwargs={"org_slug": org_slug, "uuid": token.uuid}))
    return render(request, "orgs/api_token_form.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
@role_required(ADMIN)
@never_cache
def api_token_created(request: HttpRequest, org_slug: str, uuid: str) -> HttpResponse:
    """The new token's secret on the first read after creating it; afterwards only that it was shown."""
    token = selectors.api_token_get(organization=request.organization, uuid=uuid)
    secret = reveal_take(request, _reveal_name(token))
    return render(request, "orgs/api_token_created.html", {"token": token, "secret": secret})


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def api_token_revoke(request: HttpRequest, org_slug: str, uuid: str) -> HttpResponse:
    token = selectors.api_token_get(organization=request.organization, uuid=uuid)
    if request.method == "POST":
        actions.api_token_revoke(token=token, actor=Actor.from_request(request))
        messages.success(request, f"Token “{token.name}” revoked. Requests using it now get 401.")
        return redirect("orgs:api-token-list", org_slug=org_slug)
    return render(
        request,
        "components/confirm.html",
        {
            "title": f"Revoke token “{token.name}”?",
            "body": f"Anything using the token {token.prefix}… stops working at once. This cannot be undone.",
            "confirm_label": "Revoke token",
            "cancel_url": reverse("orgs:api-token-list", kwargs={"org_slug": org_slug}),
        },
    )
