"""Writes of the orgs app, one module per topic, re-exported here (STYLE.md §1): `organizations` (and their
counters), `users` (sign-up, profile, sign-in records), `members`, `invitations`, `teams`, `tokens` (API tokens)
and `audit` (the audit log every app writes through `audit_record`).

Callers import the package: `from orgs import actions`.
"""

from orgs.actions.audit import audit_record
from orgs.actions.invitations import (
    INVITATION_SALT,
    invitation_accept,
    invitation_accept_url,
    invitation_create,
    invitation_email_send,
    invitation_from_token,
    invitation_revoke,
    invitation_signed_token,
    invitation_signup,
)
from orgs.actions.members import membership_remove, membership_role_change
from orgs.actions.organizations import (
    RESERVED_SLUGS,
    counter_next,
    organization_bootstrap,
    organization_create,
    organization_slug_validate,
)
from orgs.actions.teams import (
    RESERVED_TEAM_SLUGS,
    TEAM_FIELDS,
    team_create,
    team_delete,
    team_member_add,
    team_member_remove,
    team_update,
)
from orgs.actions.tokens import (
    LAST_USED_RESOLUTION_SECONDS,
    TOKEN_PREFIX,
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    token_hash,
)
from orgs.actions.users import (
    user_password_changed,
    user_profile_update,
    user_sign_in_failed,
    user_signed_in,
    user_signup,
)

__all__ = [
    "INVITATION_SALT",
    "LAST_USED_RESOLUTION_SECONDS",
    "RESERVED_SLUGS",
    "RESERVED_TEAM_SLUGS",
    "TEAM_FIELDS",
    "TOKEN_PREFIX",
    "api_token_authenticate",
    "api_token_create",
    "api_token_revoke",
    "audit_record",
    "counter_next",
    "invitation_accept",
    "invitation_accept_url",
    "invitation_create",
    "invitation_email_send",
    "invitation_from_token",
    "invitation_revoke",
    "invitation_signed_token",
    "invitation_signup",
    "membership_remove",
    "membership_role_change",
    "organization_bootstrap",
    "organization_create",
    "organization_slug_validate",
    "team_create",
    "team_delete",
    "team_member_add",
    "team_member_remove",
    "team_update",
    "token_hash",
    "user_password_changed",
    "user_profile_update",
    "user_sign_in_failed",
    "user_signed_in",
    "user_signup",
]
