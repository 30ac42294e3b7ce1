"""Pages of the notifications app: "My notifications" (the signed-in person's deliveries in this org) and
the notification settings (their contact methods, verification, test messages and rules).

Everything here is the signed-in person's own: any member, viewers included, manages how they are reached
(like their password), and nobody manages another person's methods from the browser (admins can through the
API). Every change is a POST calling one action; a refused change re-renders the page with the reason (400).
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.reveal import reveal_stash, reveal_take, see_other
from notifications import actions, selectors
from notifications.forms import (
    PLACEHOLDERS,
    ContactMethodForm,
    NotificationFilterForm,
    NotificationRuleForm,
    VerificationCodeForm,
)
from notifications.models import ContactKind, ContactMethod, NotificationStatus
from orgs.tenancy import Actor
from orgs.web import form_add_validation_error, paginate

SETTINGS = "notifications/notification_settings.html"


def _settings_url(org_slug: str) -> str:
    return reverse("notifications:notification-settings", kwargs={"org_slug": org_slug})


def _method(request: HttpRequest, uuid: Any) -> ContactMethod:
    return selectors.contact_method_get(organization=request.organization, uuid=uuid, user=request.user)


def _errors(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def _settings_page(request: HttpRequest, status: int = 200, **overrides: Any) -> HttpResponse:
    organization, user = request.organization, request.user
    methods = list(selectors.contact_method_list(organization=organization, user=user).prefetch_related("rules"))
    rules = list(selectors.notification_rule_list(organization=organization, user=user))
    context: dict[str, Any] = {
        "methods": methods,
        "rules": rules,
        "verified_count": sum(1 for m in methods if m.is_verified),
        "method_form": ContactMethodForm(),
        "rule_form": NotificationRuleForm(organization=organization, user=user),
        "code_form": VerificationCodeForm(),
        "code_kinds": actions.CODE_KINDS,
        "code_error_for": None,
        "placeholders": PLACEHOLDERS,
    }
    context.update(overrides)
    return render(request, SETTINGS, context, status=status)


# --- my notifications -------------------------------------------------------------------------------------


@require_GET
def my_notifications(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = NotificationFilterForm(request.GET)
    status = form.status_value()
    qs = selectors.notification_list(organization=request.organization, user=request.user, status=status)
    page = paginate(request, qs.select_related("alert_group", "incident"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "notifications/notification_list.html",
        {
            "page": page,
            "form": form,
            "status": status,
            "statuses": NotificationStatus.choices,
            "query": query.urlencode(),
            "failed_count": selectors.notification_list(
                organization=request.organization, user=request.user, status=NotificationStatus.FAILED
            ).count(),
        },
    )


@require_POST
def notification_retry(request: HttpRequest, org_slug: str, uuid: Any) -> HttpResponse:
    notification = selectors.notification_get(organization=request.organization, uuid=uuid)
    if notification.user_id != request.user.pk:
        raise Http404
    try:
        actions.notification_retry(notification=notification, actor=Actor.from_request(request))
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc)))
    else:
        messages.success(request, f"Sending again to {notification.address}.")
    return redirect("notifications:my-notifications", org_slug=org_slug)


# --- settings ---------------------------------------------------------------------------------------------


@require_GET
def notification_settings(request: HttpRequest, org_slug: str) -> HttpResponse:
    return _settings_page(request)


@require_POST
def contact_method_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = ContactMethodForm(request.POST)
    if form.is_valid():
        try:
            method, secret = actions.contact_method_create(
                organization=request.organization,
                user=request.user,
                actor=Actor.from_request(request),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            if secret:
                reveal_stash(request, _secret_reveal_name(method), True)
                return see_other(
                    reverse("notifications:contact-method-secret", kwargs={"org_slug": org_slug, "uuid": method.uuid})
                )
            if method.kind == ContactKind.EMAIL:
                messages.success(request, f"We emailed a confirmation link to {method.address}. Open it to verify.")
            else:
                messages.success(request, f"We sent a 6-digit code to {method.address}. Type it below to verify.")
            return redirect(_settings_url(org_slug) + f"#method-{method.uuid}")
    return _settings_page(request, status=400, method_form=form)


def _secret_reveal_name(method: ContactMethod) -> str:
    return f"contact-method-secret:{method.uuid}"


@require_GET
@never_cache
def contact_method_secret(request: HttpRequest, org_slug: str, uuid: Any) -> HttpResponse:
    """A new webhook's signing secret, on the first read after adding it (a refresh shows it no more)."""
    method = _method(request, uuid)
    shown = reveal_take(request, _secret_reveal_name(method)) is not None
    context = {"method": method, "secret": method.secret if shown else ""}
    return render(request, "notifications/contact_method_secret.html", context)


@require_http_methods(["GET", "POST"])
def contact_method_verify(request: HttpRequest, org_slug: str, uuid: Any) -> HttpResponse:
    """The email link's landing page (confirm with one click) and where codes are typed."""
    organization = request.organization
    token = request.POST.get("token") if request.method == "POST" else request.GET.get("token")
    actor = Actor.from_request(request)
    if token is not None:
        # The link's owner check happens in the action, which names the right account when it is not you.
        method = selectors.contact_method_get(organization=organization, uuid=uuid)
        context = {"method": method, "token": token, "mine": method.user_id == request.user.pk}
        if request.method == "GET":
            return render(request, "notifications/contact_method_verify.html", context)
        try:
            actions.contact_method_verify_link(organization=organization, token=token, user=request.user, actor=actor)
        except ValidationError as exc:
            return render(
                request, "notifications/contact_method_verify.html", {**context, "errors": _errors(exc)}, status=400
            )
        messages.success(request, f"{method.address} is verified. Pages can reach you there now.")
        return redirect(_settings_url(org_slug) + f"#method-{method.uuid}")
    method = _method(request, uuid)
    if request.method == "GET":
        return redirect(_settings_url(org_slug) + f"#method-{method.uuid}")
    form = VerificationCodeForm(request.POST)
    if form.is_valid():
        try:
            actions.contact_method_verify_code(method=method, code=form.cleaned_data["code"], actor=actor)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, f"{method.get_kind_display()} {method.address} is verified.")
            return redirect(_settings_url(org_slug) + f"#method-{method.uuid}")
    return _settings_page(request, status=400, code_form=form, code_error_for=method.pk)


@require_POST
def contact_method_send_verification(request: HttpRequest, org_slug: str, uuid: Any) -> HttpResponse:
    method = _method(request, uuid)
    try:
        actions.contact_method_verification_send(method=method, actor=Actor.from_request(request))
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc)))
    else:
        what = "a new confirmation link" if method.kind == ContactKind.EMAIL else "a new code"
        messages.success(request, f"We sent {what} to {method.address}.")
    return redirect(_settings_url(org_slug) + f"#method-{method.uuid}")


@require_POST
def contact_method_test(request: HttpRequest, org_slug: str, uuid: Any) -> HttpResponse:
    method = _method(request, uuid)
    try:
        actions.contact_method_test_send(method=method, actor=Actor.from_request(request))
    except ValidationError as exc:
        messages.error(request, " ".join(_errors(exc)))
    else:
        messages.success(
            request, f"Test message on its way to {method.address}. Its delivery shows in My notifications."
        )
    return redirect(_settings_url(org_slug) + f"#method-{method.uuid}")


@require_http_methods(["GET", "POST"])
def contact_method_delete(request: HttpRequest, org_slug: str, uuid: Any) -> HttpResponse:
    method = _method(request, uuid)
    if request.method == "POST":
        actions.contact_method_delete(method=method, actor=Actor.from_request(request))
        messages.success(request, f"{method.get_kind_display()} {method.address} removed.")
        return redirect(_settings_url(org_slug))
    rules = method.rules.count()
    body = f"Pages will no longer reach you at {method.address}."
    if rules:
        body += f" Its {rules} notification rule{'s' if rules != 1 else ''} go{'' if rules != 1 else 'es'} with it."
    body += " Past deliveries stay in your log."
    return render(
        request,
        "components/confirm.html",
        {
            "title": f"Remove {method.get_kind_display().lower()} {method.address}?",
            "body": body,
            "confirm_label": "Remove contact method",
            "cancel_url": _settings_url(org_slug),
        },
    )


@require_POST
def notification_rule_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    organization, user = request.organization, request.user
    form = NotificationRuleForm(request.POST, organization=organization, user=user)
    if form.is_valid():
        try:
            actions.notification_rule_create(
                organization=organization, user=user, actor=Actor.from_request(request), **form.cleaned_data
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, "Rule added.")
            return redirect(_settings_url(org_slug) + "#rules")
    return _settings_page(request, status=400, rule_form=form)


@require_http_methods(["GET", "POST"])
def notification_rule_delete(request: HttpRequest, org_slug: str, uuid: Any) -> HttpResponse:
    rule = selectors.notification_rule_get(organization=request.organization, uuid=uuid, user=request.user)
    if request.method == "POST":
        actions.notification_rule_delete(rule=rule, actor=Actor.from_request(request))
        messages.success(request, "Rule removed.")
        return redirect(_settings_url(org_slug) + "#rules")
    when = "immediately" if rule.delay_minutes == 0 else f"after {rule.delay_minutes} min"
    others = selectors.notification_rule_list(organization=request.organization, user=request.user).count() - 1
    body = f"Pages will no longer go to {rule.contact_method.address} {when}."
    if others == 0:
        body += " With no rules left, pages go to every verified contact method at once."
    return render(
        request,
        "components/confirm.html",
        {
            "title": f"Remove the rule “{rule.contact_method.get_kind_display()} {when}”?",
            "body": body,
            "confirm_label": "Remove rule",
            "cancel_url": _settings_url(org_slug),
        },
    )
