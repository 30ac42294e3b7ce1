from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError

from core import limits
from core.fields import BoundedDateField, BoundedDateTimeField
from core.timefmt import time_zone_choices
from orgs import throttling
from orgs.models import ApiTokenRole, MembershipRole


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        max_length=254, label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    signin_lock: throttling.SignInLock | None = None

    def clean_username(self) -> str:
        # Accounts are stored with lowercased emails; people type them in any case.
        return self.cleaned_data["username"].lower()

    def get_invalid_login_error(self) -> ValidationError:
        """A lock's message when the account or the client is locked (by earlier failures or by this one, which
        authenticate() has just counted), else Django's "enter a correct email and password"."""
        email = self.cleaned_data.get("username", "")
        self.signin_lock = throttling.signin_lock_get(email=email, ip=throttling.client_address(self.request))
        if self.signin_lock is not None:
            return ValidationError(self.signin_lock.message, code="locked")
        return super().get_invalid_login_error()


class ThrottledPasswordResetForm(PasswordResetForm):
    """Django's password reset, sending at most PASSWORD_RESET_EMAILS_PER_ADDRESS e-mails to one address and
    PASSWORD_RESET_EMAILS_PER_IP for one client an hour; past that a form error that reads the same whether
    or not an account has the address."""

    def __init__(self, *args: object, client_address: str | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.client_address = client_address
        self.retry_after: int | None = None

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        try:
            throttling.password_reset_email_allow(email=email, ip=self.client_address)
        except throttling.RateLimited as exc:
            self.retry_after = exc.retry_after
            raise ValidationError(exc.messages[0], code="rate_limited") from exc
        return email


class ProfileForm(forms.Form):
    full_name = forms.CharField(max_length=150, required=False, label="Your name")
    time_zone = forms.ChoiceField(
        required=False,
        label="Time zone",
        help_text="Every date and time in Firebreak is shown in this zone (hover one for the exact UTC time).",
    )

    def __init__(self, *args: object, current_zone: str = "", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        automatic = ("", "Automatic: this browser's time zone")
        self.fields["time_zone"].choices = [automatic, *time_zone_choices(current_zone)]


class SignupForm(forms.Form):
    full_name = forms.CharField(max_length=150, label="Your name")
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), help_text="At least 10 characters."
    )
    org_name = forms.CharField(max_length=100, label="Organization name")
    org_slug = forms.SlugField(
        max_length=50, required=False, label="Organization address", help_text="Used in URLs: /o/<address>/. Optional."
    )


class OrganizationForm(forms.Form):
    name = forms.CharField(max_length=100, label="Organization name")
    slug = forms.SlugField(max_length=50, required=False, label="Address", help_text="Used in URLs: /o/<address>/.")


class InvitationForm(forms.Form):
    email = forms.EmailField(max_length=254)
    role = forms.ChoiceField(choices=MembershipRole.choices, initial=MembershipRole.RESPONDER)

    def __init__(self, *args: object, roles: list[tuple[str, str]] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if roles is not None:
            self.fields["role"].choices = roles


class InvitationSignupForm(forms.Form):
    full_name = forms.CharField(max_length=150, label="Your name")
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), help_text="At least 10 characters."
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=MembershipRole.choices)


class TeamForm(forms.Form):
    name = forms.CharField(max_length=100)
    slug = forms.SlugField(max_length=50, required=False, help_text="Used in URLs. Derived from the name if empty.")
    description = forms.CharField(
        max_length=limits.TEXT_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    chat_channel = forms.CharField(max_length=200, required=False, label="Chat channel", help_text="e.g. #payments")
    email = forms.EmailField(max_length=254, required=False, label="Team email")


class TeamMemberForm(forms.Form):
    user = forms.ChoiceField(label="Add a member")

    def __init__(self, *args: object, candidates: list[tuple[str, str]] = (), **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = candidates


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses this token, e.g. “Alertmanager” or “Terraform”.")
    role = forms.ChoiceField(choices=ApiTokenRole.choices, initial=ApiTokenRole.RESPONDER)
    expires_at = BoundedDateTimeField(
        required=False,
        label="Expires",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Optional. UTC. Leave empty for a token that does not expire.",
    )


class AuditFilterForm(forms.Form):
    action = forms.CharField(max_length=64, required=False)
    actor = forms.CharField(max_length=200, required=False)
    target_type = forms.CharField(max_length=64, required=False, label="Target")
    since = BoundedDateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = BoundedDateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
