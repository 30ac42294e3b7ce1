"""Pages of the orgs app: accounts, members, invitations, teams, audit log (home and settings: home_views; API
tokens: token_views; the profile: profile_views)."""

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView, PasswordChangeView, PasswordResetConfirmView, PasswordResetView
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import panels
from orgs import actions, audit_changes, selectors
from orgs.api.errors import json_not_found
from orgs.forms import (
    AuditFilterForm,
    EmailAuthenticationForm,
    InvitationForm,
    InvitationSignupForm,
    OrganizationForm,
    RoleForm,
    SignupForm,
    TeamForm,
    TeamMemberForm,
    ThrottledPasswordResetForm,
)
from orgs.models import User
from orgs.permissions import ADMIN, assignable_roles, can_assign_role, role_required
from orgs.tenancy import Actor
from orgs.web import form_add_validation_error, paginate


def org_url(request: HttpRequest, name: str, **kwargs: Any) -> str:
    return reverse(f"orgs:{name}", kwargs={"org_slug": request.organization.slug, **kwargs})


# --- platform -----------------------------------------------------------------------------------


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up (no dependencies checked)."""
    return JsonResponse({"status": "ok"})


@login_not_required
@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """The database and, when configured, Redis answer; 503 otherwise."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {exc.__class__.__name__}"
    if settings.REDIS_URL:
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {exc.__class__.__name__}"
    ready = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


@login_not_required
def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return json_not_found(request, exception)
    return render(request, "404.html", status=404)


def home(request: HttpRequest) -> HttpResponse:
    """Send a signed-in person to their (first) organization, or to create one."""
    organization = selectors.organization_list_for_user(user=request.user).first()
    if organization is None:
        return redirect("organization-create")
    return redirect("orgs:dashboard", org_slug=organization.slug)


# --- accounts and organizations ----------------------------------------------------------------


@login_not_required
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Create an account and its organization in one step."""
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = actions.user_signup(**form.cleaned_data, ip_address=Actor.from_request(request).ip_address)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Welcome to Firebreak. Your organization is ready.")
            return redirect("home")
    return render(request, "registration/signup.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def organization_create(request: HttpRequest) -> HttpResponse:
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = actions.organization_create(
                **form.cleaned_data, owner=request.user, actor=Actor.from_request(request)
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, f"{organization.name} is ready. Invite your team next.")
            return redirect("orgs:member-list", org_slug=organization.slug)
    return render(request, "orgs/organization_create.html", {"form": form}, status=400 if form.errors else 200)


@login_not_required
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Accept a signed invitation: sign up (new address), sign in (known address) or join (signed in)."""
    try:
        invitation = actions.invitation_from_token(token=token)
    except ValidationError as exc:
        return render(request, "orgs/invitation_invalid.html", {"error": exc.messages[0]}, status=400)
    account_exists = User.objects.filter(email__iexact=invitation.email).exists()
    form = InvitationSignupForm(request.POST or None)
    context = {"invitation": invitation, "form": form, "account_exists": account_exists, "token": token}
    if request.method == "GET" or (not request.user.is_authenticated and (account_exists or not form.is_valid())):
        return render(request, "orgs/invitation_accept.html", context, status=200 if request.method == "GET" else 400)
    ip_address = Actor.from_request(request).ip_address
    try:
        if request.user.is_authenticated:
            actions.invitation_accept(invitation=invitation, user=request.user, ip_address=ip_address)
        else:
            user = actions.invitation_signup(invitation=invitation, **form.cleaned_data, ip_address=ip_address)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    except ValidationError as exc:
        if form.is_bound:
            form_add_validation_error(form, exc)
        else:  # a signed-in member posts no form fields: an unbound form cannot carry errors
            messages.error(request, " ".join(exc.messages))
        return render(request, "orgs/invitation_accept.html", context, status=400)
    messages.success(request, f"You joined {invitation.organization.name}.")
    return redirect("orgs:dashboard", org_slug=invitation.organization.slug)


class AuditedLoginView(LoginView):
    """Django's sign-in by email, with each sign-in in its orgs' audit logs. Refused attempts are audited and
    counted by the `user_login_failed` receiver (orgs.actions.users); past the limits the account or the
    client is locked (orgs/throttling.py) and the page answers 429 with the lock's message and Retry-After."""

    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form: Form) -> HttpResponse:
        response = super().form_valid(form)
        actions.user_signed_in(user=form.get_user(), ip_address=self.request.META.get("REMOTE_ADDR") or None)
        return response

    def form_invalid(self, form: Form) -> HttpResponse:
        response = super().form_invalid(form)
        lock = getattr(form, "signin_lock", None)
        if lock is not None:
            response.status_code = 429
            response["Retry-After"] = str(lock.seconds)
        return response


class ThrottledPasswordResetView(PasswordResetView):
    """Django's password reset by e-mail, limited per address and per client (429 with a form error past the
    limits, which read the same whether or not an account has the address)."""

    form_class = ThrottledPasswordResetForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "client_address": self.request.META.get("REMOTE_ADDR") or None}

    def form_invalid(self, form: Form) -> HttpResponse:
        response = super().form_invalid(form)
        if getattr(form, "retry_after", None):
            response.status_code = 429
            response["Retry-After"] = str(form.retry_after)
        return response


class AuditedPasswordChangeView(PasswordChangeView):
    """Django's password change, plus an audit event in each of the person's organizations."""

    def form_valid(self, form: Form) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            actions.user_password_changed(user=form.user, actor=Actor.from_request(self.request), via="change")
        return response


class AuditedPasswordResetConfirmView(PasswordResetConfirmView):
    """Django's password reset (from the emailed link), plus an audit event in each organization."""

    def form_valid(self, form: Form) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            ip = self.request.META.get("REMOTE_ADDR") or None
            actions.user_password_changed(user=form.user, actor=Actor(user=form.user, ip_address=ip), via="reset")
        return response


# --- members and invitations ----------------------------------------------------------------------


@require_GET
def member_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    role = request.membership.role
    context = {
        "memberships": selectors.membership_list(organization=request.organization),
        "invitations": selectors.invitation_list_pending(organization=request.organization),
        "invite_form": InvitationForm(roles=assignable_roles(role)),
        "assignable_roles": assignable_roles(role),
        "can_manage": request.membership.has_role(ADMIN),
    }
    return render(request, "orgs/member_list.html", context)


@require_POST
@role_required(ADMIN)
def invitation_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    roles = assignable_roles(request.membership.role)
    form = InvitationForm(request.POST, roles=roles)
    retry_after = None
    if form.is_valid():
        try:
            invitation = actions.invitation_create(
                organization=request.organization, actor=Actor.from_request(request), **form.cleaned_data
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
            retry_after = getattr(exc, "retry_after", None)  # throttling.RateLimited: 429, as the API answers
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("orgs:member-list", org_slug=org_slug)
    context = {
        "memberships": selectors.membership_list(organization=request.organization),
        "invitations": selectors.invitation_list_pending(organization=request.organization),
        "invite_form": form,
        "assignable_roles": roles,
        "can_manage": True,
    }
    response = render(request, "orgs/member_list.html", context, status=429 if retry_after else 400)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@require_POST
@role_required(ADMIN)
def member_role_change(request: HttpRequest, org_slug: str, uuid: str) -> HttpResponse:
    membership = selectors.membership_get(organization=request.organization, uuid=uuid)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a valid role.")
    elif not can_assign_role(request.membership.role, membership.role, form.cleaned_data["role"]):
        messages.error(request, "Only owners can grant, change or remove the owner role.")
    else:
        try:
            actions.membership_role_change(
                membership=membership, role=form.cleaned_data["role"], actor=Actor.from_request(request)
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{membership.user.display_name} is now {form.cleaned_data['role']}.")
    return redirect("orgs:member-list", org_slug=org_slug)


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def member_remove(request: HttpRequest, org_slug: str, uuid: str) -> HttpResponse:
    membership = selectors.membership_get(organization=request.organization, uuid=uuid)
    if not can_assign_role(request.membership.role, membership.role, None):
        messages.error(request, "Only owners can remove an owner.")
        return redirect("orgs:member-list", org_slug=org_slug)
    if request.method == "POST":
        try:
            actions.membership_remove(membership=membership, actor=Actor.from_request(request))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{membership.user.display_name} was removed from {request.organization}.")
            if membership.user_id == request.user.pk:
                return redirect("home")  # they just left: the member list would be a 404 now
        return redirect("orgs:member-list", org_slug=org_slug)
    return render(
        request,
        "components/confirm.html",
        {
            "title": f"Remove {membership.user.display_name}?",
            "body": f"{membership.user.email} loses access to {request.organization.name} and leaves its teams. "
            "Their past actions stay in the audit log.",
            "confirm_label": "Remove member",
            "cancel_url": org_url(request, "member-list"),
        },
    )


@require_POST
@role_required(ADMIN)
def invitation_revoke(request: HttpRequest, org_slug: str, uuid: str) -> HttpResponse:
    invitation = selectors.invitation_get(organization=request.organization, uuid=uuid)
    try:
        actions.invitation_revoke(invitation=invitation, actor=Actor.from_request(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Invitation for {invitation.email} revoked.")
    return redirect("orgs:member-list", org_slug=org_slug)


# --- teams ----------------------------------------------------------------------------------------


@require_GET
def team_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    teams = paginate(request, selectors.team_list(organization=request.organization, search=search))
    can_manage = request.membership.has_role(ADMIN)
    context = {
        "page": teams,
        "search": search,
        "query": urlencode({"q": search}) if search else "",
        "can_manage": can_manage,
    }
    return render(request, "orgs/team_list.html", context)


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def team_create(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = actions.team_create(
                organization=request.organization, actor=Actor.from_request(request), **form.cleaned_data
            )
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, f"Team {team.name} created. Add its members below.")
            return redirect("orgs:team-detail", org_slug=org_slug, slug=team.slug)
    return render(request, "orgs/team_form.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
def team_detail(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    team = selectors.team_get(organization=request.organization, slug=slug)
    members = list(selectors.team_members(team=team))
    member_ids = {m.pk for m in members}
    candidates = [
        (str(m.user.uuid), f"{m.user.display_name} ({m.user.email})")
        for m in selectors.membership_list(organization=request.organization)
        if m.user_id not in member_ids
    ]
    context = {
        "team": team,
        "members": members,
        "member_form": TeamMemberForm(candidates=candidates) if candidates else None,
        "can_manage": request.membership.has_role(ADMIN),
        "panels": panels.panels_render(panels.TEAM, request, team=team),  # the services it owns, ...
    }
    return render(request, "orgs/team_detail.html", context)


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def team_update(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    team = selectors.team_get(organization=request.organization, slug=slug)
    initial = {f: getattr(team, f) for f in actions.TEAM_FIELDS}
    form = TeamForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if not (k == "slug" and not v)}
        try:
            team = actions.team_update(team=team, actor=Actor.from_request(request), **fields)
        except ValidationError as exc:
            form_add_validation_error(form, exc)
        else:
            messages.success(request, f"Team {team.name} saved.")
            return redirect("orgs:team-detail", org_slug=org_slug, slug=team.slug)
    return render(request, "orgs/team_form.html", {"form": form, "team": team}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@role_required(ADMIN)
def team_delete(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    team = selectors.team_get(organization=request.organization, slug=slug)
    if request.method == "POST":
        actions.team_delete(team=team, actor=Actor.from_request(request))
        messages.success(request, f"Team {team.name} deleted.")
        return redirect("orgs:team-list", org_slug=org_slug)
    return render(
        request,
        "components/confirm.html",
        {
            "title": f"Delete team {team.name}?",
            "body": f"The team and its {team.member_count} memberships are deleted. The people stay in "
            f"{request.organization.name}. This cannot be undone.",
            "confirm_label": "Delete team",
            "cancel_url": org_url(request, "team-detail", slug=team.slug),
        },
    )


@require_POST
@role_required(ADMIN)
def team_member_add(request: HttpRequest, org_slug: str, slug: str) -> HttpResponse:
    team = selectors.team_get(organization=request.organization, slug=slug)
    user_uuid = request.POST.get("user", "")
    try:
        user = selectors.member_user_get(organization=request.organization, uuid=user_uuid)
    except (ValidationError, ValueError, Http404):  # not a uuid, or nobody of this org: a form error, not a 404
        user = None
    if user is None:
        messages.error(request, "Choose a member of this organization.")
    else:
        actions.team_member_add(team=team, user=user, actor=Actor.from_request(request))
        messages.success(request, f"{user.display_name} joined {team.name}.")
    return redirect("orgs:team-detail", org_slug=org_slug, slug=team.slug)


@require_POST
@role_required(ADMIN)
def team_member_remove(request: HttpRequest, org_slug: str, slug: str, uuid: str) -> HttpResponse:
    team = selectors.team_get(organization=request.organization, slug=slug)
    user = selectors.member_user_get(organization=request.organization, uuid=uuid)
    actions.team_member_remove(team=team, user=user, actor=Actor.from_request(request))
    messages.success(request, f"{user.display_name} left {team.name}.")
    return redirect("orgs:team-detail", org_slug=org_slug, slug=team.slug)


# --- audit log ------------------------------------------------------------------------------------


@require_GET
@role_required(ADMIN)
def audit_event_list(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.audit_event_list(organization=request.organization, **filters)
    query = request.GET.copy()
    query.pop("page", None)
    page = paginate(request, events)
    for event in page:
        event.change_lines = audit_changes.change_lines(event.changes)
    context = {
        "form": form,
        "page": page,
        "actions": selectors.audit_event_actions(organization=request.organization),
        "query": query.urlencode(),
    }
    return render(request, "orgs/audit_event_list.html", context)
