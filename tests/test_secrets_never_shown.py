"""Secrets are shown once, where they are created, and never again (issue 15 §2).

Every kind of secret Firebreak stores is created through the real pages, actions and API (a webhook's signing
secret, an outbound webhook endpoint's secret, created and rotated, API tokens, integration keys, an invitation
link, verification codes and links, calendar feed links and their nonces, a password). Then org A's owner walks
every page of the org and every GET route of the API (the tenancy walkers, so a page or route added later is walked
too), a few anonymous requests carry secrets in their path, and the test searches every answer (body and headers),
every log record written meanwhile and every audit event's changes for each secret, by exact substring. The only
places a secret may appear are the one-time reveal that followed its creation, the message that carried it to its
recipient, and the owner's own calendar link on the owner's own on-call pages (a subscription URL the calendar app
needs, shown to nobody else).
"""

import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.test import Client

from notifications import actions as notification_actions
from notifications import channels
from notifications.models import ContactMethod, Notification
from oncall import actions as oncall_actions
from oncall import ical
from oncall.models import OncallProfile
from orgs import actions as org_actions
from orgs.models import AuditEvent, Invitation
from orgs.tenancy import Actor
from tests.orgs import test_tenancy
from tests.orgs.test_tenancy import api_calls, org_pages, page_lookups, page_url, urlconf_routes

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Quartz-Lantern-Orbit-8172"
# The owner's own calendar link, where the owner subscribes to it (its pages only).
OWN_FEED_PAGES = ("oncall:my-oncall", "oncall:schedule-detail")


@dataclass
class Secrets:
    """Each secret by what it is, and where it may be shown (URL names of the owner's pages)."""

    values: dict[str, str] = field(default_factory=dict)
    allowed_on: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def add(self, name: str, value: str, *, allowed_on: tuple[str, ...] = ()) -> None:
        assert len(value or "") >= 6, f"{name}: {value!r} is not a secret worth searching for"
        self.values[name] = value
        self.allowed_on[name] = allowed_on

    def found_in(self, text: str, *, page: str = "") -> list[str]:
        found = []
        for name, value in self.values.items():
            if page and page in self.allowed_on[name]:
                continue
            # A code is six digits: it counts only as a whole token, not inside a longer number or identifier.
            pattern = rf"(?<![0-9A-Za-z]){re.escape(value)}(?![0-9A-Za-z])" if value.isdigit() else re.escape(value)
            if re.search(pattern, text):
                found.append(name)
        return found


@pytest.fixture
def org_a(org: Any, owner: Any) -> test_tenancy.OrgA:
    return test_tenancy.org_a.__wrapped__(org, owner)


@pytest.fixture
def sent_messages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The text of every message handed to a webhook/chat channel (email goes to mail.outbox as usual)."""
    sent: list[str] = []
    real_deliver = channels.deliver

    def deliver(notification: Notification, *, secret: str = "") -> None:
        if notification.channel == "email":
            real_deliver(notification, secret=secret)
            return
        sent.append(json.dumps(channels.webhook_body(notification)) + channels.plain_text(notification))

    monkeypatch.setattr(channels, "deliver", deliver)
    return sent


def deliver_all() -> None:
    for row in Notification.objects.filter(status="pending", reason="verification"):
        notification_actions.notification_deliver(notification_id=row.pk, token=str(row.task_token))


def answer_text(response: Any) -> str:
    headers = "\n".join(f"{name}: {value}" for name, value in response.items())
    return headers + "\n" + response.content.decode(errors="replace")


def create_every_secret(org_a: Any, owner_client: Client, admin_api: Any, sent_messages: list[str]) -> Secrets:
    """Each secret through the real page, action or API call, read from its one-time reveal or its message."""
    secrets = Secrets()
    slug = org_a.organization.slug
    base = f"/o/{slug}"

    # A webhook contact method on the settings page: its signing secret is revealed once; its code is sent to it.
    created = owner_client.post(
        f"{base}/notifications/settings/methods/new/",
        {"kind": "webhook", "address": "https://hooks.acme.test/secret-walk", "label": "Walk"},
    )
    assert created.status_code == 303
    reveal = owner_client.get(created["Location"])
    secrets.add("contact method signing secret (page)", reveal.context["secret"])
    assert secrets.values["contact method signing secret (page)"] in reveal.content.decode()
    # A webhook for the second member through the API (admin token): the 201 carries its secret once.
    by_api = admin_api.post(
        "/api/v1/contact-methods/",
        {"user": str(org_a.second_member.user.uuid), "kind": "webhook", "address": "https://hooks.acme.test/second"},
        format="json",
    )
    assert by_api.status_code == 201
    secrets.add("contact method signing secret (API)", by_api.json()["secret"])
    # An email method: its verification link goes by email only.
    emailed = owner_client.post(
        f"{base}/notifications/settings/methods/new/", {"kind": "email", "address": "pager-walk@acme.test"}
    )
    assert emailed.status_code == 302
    deliver_all()
    codes = [re.search(r"Firebreak verification code: (\d{6})", text).group(1) for text in sent_messages]
    assert len(codes) == 3  # the two webhooks' and org A's chat method's
    for number, code in enumerate(codes, start=1):
        secrets.add(f"verification code {number}", code)
    [verify_email] = [m for m in mail.outbox if m.to == ["pager-walk@acme.test"]]
    link = re.search(r"https?://\S+/verify/\?token=(\S+)", verify_email.body)
    secrets.add("email verification token", link.group(1))

    # An API token on the tokens page, and one through the API.
    made = owner_client.post(f"{base}/tokens/new/", {"name": "Walk bot", "role": "responder"})
    assert made.status_code == 303
    secrets.add("API token (page)", owner_client.get(made["Location"]).context["secret"])
    token_by_api = admin_api.post("/api/v1/api-tokens/", {"name": "Walk API bot", "role": "viewer"}, format="json")
    assert token_by_api.status_code == 201
    secrets.add("API token (API)", token_by_api.json()["token"])

    # An integration on its page (key revealed once), one through the API, and a regenerated key.
    integration = owner_client.post(
        f"{base}/alerts/integrations/new/",
        {
            "name": "Walk Prometheus",
            "kind": "alertmanager",
            "service": org_a.service.slug,
            "rate_limit_per_minute": "60000",
            "enabled": "on",
        },
    )
    assert integration.status_code == 303, integration.content.decode()[:2000]
    secrets.add("integration key (page)", owner_client.get(integration["Location"]).context["key"])
    integration_by_api = admin_api.post(
        "/api/v1/integrations/",
        {"name": "Walk Grafana", "kind": "grafana", "service": org_a.service.slug},
        format="json",
    )
    assert integration_by_api.status_code == 201, integration_by_api.json()
    secrets.add("integration key (API)", integration_by_api.json()["key"])
    regenerated = admin_api.post(f"/api/v1/integrations/{integration_by_api.json()['id']}/regenerate-key/")
    assert regenerated.status_code == 200
    secrets.add("integration key (regenerated)", regenerated.json()["key"])

    # An invitation from the members page: its link is emailed, once.
    invited = owner_client.post(f"{base}/members/invite/", {"email": "walk-invitee@acme.test", "role": "viewer"})
    assert invited.status_code in (302, 303)
    org_actions.invitation_email_send(invitation_id=Invitation.objects.get(email="walk-invitee@acme.test").pk)
    [invitation_email] = [m for m in mail.outbox if m.to == ["walk-invitee@acme.test"]]
    secrets.add("invitation token", re.search(r"/invitations/([^/\s]+)/", invitation_email.body).group(1))

    # Calendar links: the owner's from the my-on-call page, the second member's by the action.
    assert owner_client.post(f"{base}/on-call/me/calendar-link/").status_code == 302
    oncall_actions.feed_regenerate(
        organization=org_a.organization, user=org_a.second_member.user, actor=Actor(user=org_a.second_member.user)
    )
    mine = OncallProfile.objects.get(organization=org_a.organization, user=org_a.owner.user)
    theirs = OncallProfile.objects.get(organization=org_a.organization, user=org_a.second_member.user)
    secrets.add("owner's calendar link", ical.feed_token(mine), allowed_on=OWN_FEED_PAGES)
    secrets.add("owner's calendar nonce", mine.feed_nonce)
    secrets.add("second member's calendar link", ical.feed_token(theirs))
    secrets.add("second member's calendar nonce", theirs.feed_nonce)

    # An outbound webhook endpoint on its page (secret revealed once), one through the API, and a rotated secret.
    endpoint = owner_client.post(f"{base}/webhooks/new/", {"url": "https://hooks.acme.test/walk", "is_enabled": "on"})
    assert endpoint.status_code == 303, endpoint.content.decode()[:2000]
    secrets.add("webhook endpoint secret (page)", owner_client.get(endpoint["Location"]).context["secret"])
    endpoint_by_api = admin_api.post(
        "/api/v1/webhook-endpoints/", {"url": "https://hooks.acme.test/walk-api"}, format="json"
    )
    assert endpoint_by_api.status_code == 201, endpoint_by_api.json()
    secrets.add("webhook endpoint secret (API)", endpoint_by_api.json()["secret"])
    rotated = admin_api.post(f"/api/v1/webhook-endpoints/{endpoint_by_api.json()['id']}/rotate-secret/")
    assert rotated.status_code == 200
    secrets.add("webhook endpoint secret (rotated)", rotated.json()["secret"])

    # A password, changed on the account page.
    changed = owner_client.post(
        "/accounts/password_change/",
        {"old_password": "correct-horse-battery", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert changed.status_code == 302, changed.content.decode()[:2000]
    secrets.add("password", NEW_PASSWORD)
    return secrets


def owner_pages(org_a: Any) -> list[tuple[str, str]]:
    """(URL name, URL) of every page the owner can GET: the org's pages and the pages that take no argument."""
    pages = [(page.name, page_url(page, org_a.organization.slug, page_lookups(page, org_a))) for page in org_pages()]
    for route in urlconf_routes():
        if route.kwargs or route.route.startswith(("api/", "admin/")) or not route.pattern.name:
            continue
        pages.append((route.name, "/" + route.route))
    return pages


def test_no_secret_is_shown_after_its_reveal_nor_logged_nor_audited(
    org_a, client_for, api_client_for, caplog, sent_messages, enqueued
):
    caplog.set_level(logging.DEBUG)
    owner_client = client_for(org_a.owner)
    owner_client.raise_request_exception = False
    admin_api = api_client_for(org_a.organization, "admin")
    secrets = create_every_secret(org_a, owner_client, admin_api, sent_messages)
    secrets.add("the walking API token", admin_api._credentials["HTTP_AUTHORIZATION"].removeprefix("Bearer "))
    reveal_pages = [
        f"/o/{org_a.organization.slug}/notifications/settings/methods/{method.uuid}/secret/"
        for method in ContactMethod.objects.for_org(org_a.organization).filter(kind="webhook")
    ]

    # When the owner walks every page (the reveal pages a second time too) and every GET route of the API
    pages = [*owner_pages(org_a), *(("notifications:contact-method-secret", url) for url in reveal_pages)]
    page_answers = [(name, url, owner_client.get(url)) for name, url in pages]
    api_answers = [(c.url, admin_api.get(c.url)) for c in api_calls(org_a) if c.method == "get"]
    # and requests that carry a secret in their path are logged
    anonymous = Client(raise_request_exception=False)
    feed = anonymous.get(
        f"/calendar/{ical.feed_token(OncallProfile.objects.filter(user=org_a.owner.user).get())}/on-call.ics"
    )
    invitation = anonymous.get(f"/invitations/{secrets.values['invitation token']}/")

    # Then no answer shows a secret (but the owner's calendar link on the owner's on-call pages)
    assert [(url, r.status_code) for _, url, r in page_answers if r.status_code >= 500] == []
    assert [(url, r.status_code) for url, r in api_answers if r.status_code != 200] == []
    assert (feed.status_code, invitation.status_code) == (200, 200)
    assert [
        (url, secrets.found_in(answer_text(r), page=name))
        for name, url, r in page_answers
        if secrets.found_in(answer_text(r), page=name)
    ] == []
    assert [(url, secrets.found_in(answer_text(r))) for url, r in api_answers if secrets.found_in(answer_text(r))] == []
    # the owner's own on-call page does carry the owner's link (the allowance above is not vacuous)
    [my_oncall] = [r for name, _, r in page_answers if name == "oncall:my-oncall"]
    assert secrets.values["owner's calendar link"] in my_oncall.content.decode()
    # no log record names one
    records = [f"{r.name} {r.getMessage()} {json.dumps(r.__dict__, default=str)}" for r in caplog.records]
    assert any("firebreak.request" in record and "/calendar/[secret]/on-call.ics" in record for record in records)
    assert [(record[:200], secrets.found_in(record)) for record in records if secrets.found_in(record)] == []
    # no audit event's changes or labels hold one
    audit = [
        json.dumps(row, default=str)
        for row in AuditEvent.objects.for_org(org_a.organization).values("action", "target_label", "changes")
    ]
    assert len(audit) > 10
    assert [(row[:200], secrets.found_in(row)) for row in audit if secrets.found_in(row)] == []
    # and the stored rows hold none in the clear but the hashes' inputs never reached them
    assert [
        (n.subject, secrets.found_in(n.subject + n.message + n.link))
        for n in Notification.objects.for_org(org_a.organization)
        if secrets.found_in(n.subject + n.message + n.link)
    ] == []
    assert urlparse(secrets.values["email verification token"]).path  # a real token was searched for
