"""Public subscriber pages (no sign-in): sign up, confirm, manage, unsubscribe.

The sign-up answer is the same whether or not the address is already subscribed. Token pages never change
anything on GET (mail scanners fetch links): GET shows a button, POST acts. They are csrf-exempt and set no
cookie: the secret in the URL is the proof, and RFC 8058's one-click POST comes with no cookie.
"""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from core.pages import form_add_validation_error
from orgs.throttling import RateLimited, client_address
from statuspage.models import StatusPage
from statuspage.public import views as public_views
from statuspage.subscribing import actions, selectors
from statuspage.subscribing.forms import SignupForm, SubscriptionForm

TEMPLATES = "statuspage/subscribe/"


def _render(request: HttpRequest, name: str, page: StatusPage, status: int = 200, **context: object) -> HttpResponse:
    """Render on the public page's frame (its header links); never stored by a cache: answers carry an address."""
    page_slug = None if page.is_default else page.slug
    links = public_views._links(page, page_slug)
    context = {
        "page": page,
        "links": links,
        "page_url": links["home"],
        "subscribe_url": links["subscribe"],
        "org_slug": page.organization.slug,
        **context,
    }
    response = render(request, TEMPLATES + name, context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


@login_not_required
@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest, org_slug: str, page_slug: str | None = None) -> HttpResponse:
    """Sign up for a public page's updates by email (double opt-in)."""
    page = selectors.public_page_get(org_slug=org_slug, page_slug=page_slug)
    form = SignupForm(request.POST or None, components=selectors.page_component_list(page=page))
    if request.method == "POST" and form.is_valid():
        try:
            actions.subscriber_signup(
                page=page,
                email=form.cleaned_data["email"],
                components=form.cleaned_data["components"],
                ip=client_address(request),
            )
        except RateLimited as exc:
            form_add_validation_error(form, exc)
            response = _render(request, "subscribe.html", page, status=429, form=form)
            response["Retry-After"] = str(exc.retry_after)
            return response
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            return _render(request, "subscribe_sent.html", page, email=form.cleaned_data["email"])
    return _render(request, "subscribe.html", page, status=400 if form.errors else 200, form=form)


@csrf_exempt
@login_not_required
@require_http_methods(["GET", "POST"])
def subscribe_confirm(request: HttpRequest, org_slug: str, token: str) -> HttpResponse:
    """Confirm a sign-up: GET shows the button, POST confirms (twice is harmless)."""
    subscriber = selectors.subscriber_for_token(org_slug=org_slug, token=token)
    if request.method == "POST":
        subscriber = actions.subscriber_confirm(subscriber=subscriber)
    posted = request.method == "POST"
    return _render(request, "confirm.html", subscriber.page, subscriber=subscriber, token=token, posted=posted)


@csrf_exempt
@login_not_required
@require_http_methods(["GET", "POST"])
def subscription_manage(request: HttpRequest, org_slug: str, token: str) -> HttpResponse:
    """Change which components a subscription follows; the page also links to unsubscribing."""
    subscriber = selectors.subscriber_for_token(org_slug=org_slug, token=token)
    components = selectors.page_component_list(page=subscriber.page)
    initial = {"components": list(selectors.subscriber_component_ids(subscriber=subscriber))}
    form = SubscriptionForm(request.POST or None, components=components, initial=initial)
    saved = False
    if request.method == "POST" and subscriber.unsubscribed_at is None and form.is_valid():
        actions.subscriber_components_update(subscriber=subscriber, components=form.cleaned_data["components"])
        saved = True
    return _render(
        request,
        "manage.html",
        subscriber.page,
        400 if form.errors else 200,
        subscriber=subscriber,
        token=token,
        form=form,
        saved=saved,
    )


@csrf_exempt
@login_not_required
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, org_slug: str, token: str) -> HttpResponse:
    """RFC 8058 one-click unsubscribe: POST unsubscribes and answers 200 (no redirect, idempotent); GET only shows
    a button that POSTs here."""
    subscriber = selectors.subscriber_for_token(org_slug=org_slug, token=token)
    if request.method == "POST":
        subscriber = actions.subscriber_unsubscribe(subscriber=subscriber)
    posted = request.method == "POST"
    return _render(request, "unsubscribe.html", subscriber.page, subscriber=subscriber, token=token, posted=posted)
