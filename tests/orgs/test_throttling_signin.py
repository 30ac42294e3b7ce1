"""Sign-in throttling (orgs/throttling.py): refused sign-ins lock the account and the client's address for a
while, the right password included, with a clear message, a 429 and an audit entry; a lock ends with time
(backing off) or with a password reset, never forever."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis
import time_machine
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from orgs import throttling
from orgs.models import AuditEvent, MembershipRole
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password
WRONG = "not-the-password-1"
ACCOUNT_LOCKED = "Too many failed sign-ins for this account. Try again in {} or reset your password."
NETWORK_LOCKED = "Too many failed sign-ins from your network. Try again in {}."
WRONG_PASSWORD = "The email or password is not right. Try again."  # how the page words INVALID_LOGIN
INVALID_LOGIN = "Please enter a correct email and password. Note that both fields may be case-sensitive."
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def sign_in(email: str, password: str, ip: str = "198.51.100.7", path: str = "/accounts/login/") -> tuple:
    """(status, the page's errors or where it redirects, Retry-After, signed in?) of one sign-in from `ip`."""
    client = Client(REMOTE_ADDR=ip)
    response = client.post(path, {"username": email, "password": password})
    errors = response.context["form"].non_field_errors() if response.status_code != 302 else response["Location"]
    return response.status_code, list(errors), response.get("Retry-After"), "_auth_user_id" in client.session


def locked_events(organization: object) -> list[tuple]:
    events = AuditEvent.objects.for_org(organization).filter(action="user.sign_in_locked").order_by("pk")
    return [(e.actor_label, e.target_label, e.ip_address, e.changes) for e in events]


def test_five_wrong_passwords_lock_the_account_and_then_the_right_one_is_refused(owner, clock):
    # Given four wrong passwords, each answered as a wrong password
    answers = [sign_in("owner@acme.test", WRONG) for _ in range(4)]
    assert answers == [(200, [INVALID_LOGIN], None, False)] * 4

    # When the fifth is wrong too, then the right one comes
    fifth = sign_in("owner@acme.test", WRONG)
    right = sign_in("owner@acme.test", PASSWORD)

    # Then both are refused with the lock's message, a 429 and its Retry-After, and nobody is signed in
    assert fifth == (429, [ACCOUNT_LOCKED.format("15 minutes")], "900", False)
    assert right == (429, [ACCOUNT_LOCKED.format("15 minutes")], "900", False)


def test_the_page_says_the_lock_in_words_and_offers_the_reset(owner):
    for _ in range(5):
        Client().post("/accounts/login/", {"username": "owner@acme.test", "password": WRONG})

    page = Client().post("/accounts/login/", {"username": "owner@acme.test", "password": PASSWORD})

    text = page.content.decode()
    assert page.status_code == 429
    assert ACCOUNT_LOCKED.format("15 minutes") in text
    assert 'href="/accounts/password_reset/"' in text


def test_a_wrong_password_reads_as_before_below_the_limit(owner):
    client = Client()

    response = client.post("/accounts/login/", {"username": "owner@acme.test", "password": WRONG})

    assert response.status_code == 200
    assert WRONG_PASSWORD in response.content.decode()
    assert ACCOUNT_LOCKED.format("15 minutes") not in response.content.decode()


def test_the_lock_is_in_the_audit_log_of_every_org_of_the_account(owner, make_member, other_org, clock):
    zeta = OrganizationFactory(name="Zeta", slug="zeta")
    make_member(zeta, MembershipRole.VIEWER, email="owner@acme.test")

    for _ in range(5):
        sign_in("owner@acme.test", WRONG, ip="203.0.113.9")
    sign_in("owner@acme.test", PASSWORD, ip="203.0.113.9")  # refused by the lock: no more entries

    locked = [
        (
            "someone not signed in",
            "owner@acme.test",
            "203.0.113.9",
            {"failed_attempts": 5, "locked_minutes": 15, "locked_until": "2026-12-07T09:15:00Z"},
        )
    ]
    assert locked_events(owner.organization) == locked
    assert locked_events(zeta) == locked
    assert locked_events(other_org) == []
    event = AuditEvent.objects.get(organization=owner.organization, action="user.sign_in_locked")
    assert (event.actor_user, event.actor_token, event.target_type, event.target_id) == (
        None,
        None,
        "user",
        str(owner.user.uuid),
    )
    # Five refused attempts, then the lock; the attempt the lock refused checked no password and is not one.
    actions = AuditEvent.objects.for_org(owner.organization).order_by("pk").values_list("action", flat=True)
    assert list(actions) == ["user.sign_in_failed"] * 5 + ["user.sign_in_locked"]


def test_the_lock_ends_with_time_and_the_next_one_lasts_twice_as_long(owner, clock):
    for _ in range(5):
        sign_in("owner@acme.test", WRONG)

    clock.shift(timedelta(minutes=14, seconds=59))
    assert sign_in("owner@acme.test", PASSWORD)[:2] == (429, [ACCOUNT_LOCKED.format("1 minute")])
    clock.shift(timedelta(seconds=1))
    assert sign_in("owner@acme.test", PASSWORD)[0::3] == (302, True)

    # Five more failures the same day: locked again, for 30 minutes
    for _ in range(5):
        sign_in("owner@acme.test", WRONG)
    assert sign_in("owner@acme.test", PASSWORD)[:3] == (429, [ACCOUNT_LOCKED.format("30 minutes")], "1800")
    events = AuditEvent.objects.filter(action="user.sign_in_locked").order_by("pk")
    assert [e.changes["locked_minutes"] for e in events] == [15, 30]


def test_backing_off_stops_at_the_longest_lock(owner, clock, settings):
    settings.SIGNIN_FAILURES_PER_ACCOUNT = 1
    settings.SIGNIN_LOCK_MAX_MINUTES = 60

    minutes = []
    for _ in range(5):
        sign_in("owner@acme.test", WRONG)
        lock = throttling.signin_lock_get(email="owner@acme.test", ip=None)
        minutes.append(lock.seconds // 60)
        clock.shift(timedelta(seconds=lock.seconds))

    assert minutes == [15, 30, 60, 60, 60]
    assert sign_in("owner@acme.test", PASSWORD)[0] == 302


def test_failures_are_forgotten_after_their_window(owner, clock):
    for _ in range(4):
        sign_in("owner@acme.test", WRONG)

    clock.shift(timedelta(minutes=15, seconds=1))
    for _ in range(4):
        sign_in("owner@acme.test", WRONG)

    assert sign_in("owner@acme.test", PASSWORD)[0] == 302


def test_a_successful_sign_in_forgives_the_failures_before_it(owner):
    for _ in range(4):
        sign_in("owner@acme.test", WRONG)
    assert sign_in("owner@acme.test", PASSWORD)[0] == 302

    for _ in range(4):
        sign_in("owner@acme.test", WRONG)

    assert sign_in("owner@acme.test", PASSWORD)[0] == 302


def test_a_password_reset_lifts_the_lock(owner, django_capture_on_commit_callbacks):
    for _ in range(5):
        sign_in("owner@acme.test", WRONG)
    client = Client()
    uid = urlsafe_base64_encode(force_bytes(owner.user.pk))
    landing = client.get(f"/accounts/reset/{uid}/{default_token_generator.make_token(owner.user)}/", follow=True)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            landing.redirect_chain[-1][0],
            {"new_password1": "reset-passphrase-42", "new_password2": "reset-passphrase-42"},
        )

    assert response.status_code == 302
    assert sign_in("owner@acme.test", "reset-passphrase-42")[0::3] == (302, True)


def test_a_lock_is_not_lifted_by_a_reset_that_rolls_back(owner, django_capture_on_commit_callbacks):
    for _ in range(5):
        sign_in("owner@acme.test", WRONG)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        from orgs import actions
        from orgs.tenancy import Actor

        actions.user_password_changed(user=owner.user, actor=Actor(user=owner.user), via="reset")

    assert len(callbacks) == 1  # the unlock waits for the commit
    assert sign_in("owner@acme.test", PASSWORD)[0] == 429


def test_one_address_trying_many_accounts_is_locked_for_all_of_them(owner, make_member, org, settings):
    settings.SIGNIN_FAILURES_PER_IP = 4
    others = [make_member(org, email=f"person{i}@acme.test").user.email for i in range(3)]

    # Given one failure on each of four accounts from one address (no account reaches its own limit)
    answers = [sign_in(email, WRONG, ip="192.0.2.10")[:2] for email in [*others, "nobody@acme.test"]]

    # Then the fourth locks the address, and every account is refused from it (the right password included)
    # but not from another address
    assert answers == [(200, [INVALID_LOGIN])] * 3 + [(429, [NETWORK_LOCKED.format("15 minutes")])]
    assert sign_in("owner@acme.test", PASSWORD, ip="192.0.2.10")[:3] == (
        429,
        [NETWORK_LOCKED.format("15 minutes")],
        "900",
    )
    assert sign_in("owner@acme.test", PASSWORD, ip="192.0.2.11")[0] == 302
    # The address's lock is nobody's account lock: no account's log says it was locked
    assert AuditEvent.objects.filter(action="user.sign_in_locked").exists() is False


def test_an_ipv6_client_is_counted_by_its_slash_64(owner, make_member, org, settings):
    settings.SIGNIN_FAILURES_PER_IP = 2
    make_member(org, email="second@acme.test")

    sign_in("second@acme.test", WRONG, ip="2001:db8:1:2::10")
    sign_in("nobody@acme.test", WRONG, ip="2001:db8:1:2:aaaa::99")

    assert sign_in("owner@acme.test", PASSWORD, ip="2001:db8:1:2::77")[0] == 429
    assert sign_in("owner@acme.test", PASSWORD, ip="2001:db8:1:3::10")[0] == 302


def test_an_address_without_an_account_locks_the_same_way_and_records_nothing(owner):
    answers = [sign_in("nobody@acme.test", WRONG) for _ in range(6)]

    assert [a[0] for a in answers] == [200] * 4 + [429] * 2
    assert answers[-1][1] == [ACCOUNT_LOCKED.format("15 minutes")]  # the same words as for a real account
    assert AuditEvent.objects.filter(target_label="nobody@acme.test").exists() is False


def test_the_email_is_counted_in_any_case(owner):
    for email in ["OWNER@acme.test", "Owner@Acme.Test", "owner@ACME.test", "owner@acme.test", "oWner@acme.test"]:
        sign_in(email, WRONG)

    assert sign_in("owner@acme.test", PASSWORD)[0] == 429


def test_the_admin_sign_in_counts_and_is_refused_by_the_same_lock(owner):
    owner.user.is_staff = True
    owner.user.save(update_fields=["is_staff"])

    for _ in range(5):
        Client().post("/admin/login/", {"username": "owner@acme.test", "password": WRONG})
    client = Client()
    client.post("/admin/login/", {"username": "owner@acme.test", "password": PASSWORD})

    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="user.sign_in_locked", target_label="owner@acme.test").count() == 1
    assert sign_in("owner@acme.test", PASSWORD)[0] == 429


def test_a_broken_cache_locks_nobody_out(owner, monkeypatch):
    def broken(*args: object, **kwargs: object) -> None:
        raise ConnectionError("cache down")

    for method in ("get", "add", "incr", "set", "delete", "delete_many"):
        monkeypatch.setattr(cache, method, broken)

    for _ in range(6):
        sign_in("owner@acme.test", WRONG)

    assert sign_in("owner@acme.test", PASSWORD)[0::3] == (302, True)


@pytest.mark.requires_redis
def test_locks_hold_in_redis_across_processes(owner, redis_url, settings):
    # Given the production cache: Redis, shared by every web process
    prefix = f"test-throttle-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": prefix,
        }
    }
    try:
        # When five wrong passwords come, each through a new client
        answers = [sign_in("owner@acme.test", WRONG)[0] for _ in range(5)]

        # Then the right one is refused, and the lock is in Redis
        assert answers == [200] * 4 + [429]
        assert sign_in("owner@acme.test", PASSWORD)[:2] == (429, [ACCOUNT_LOCKED.format("15 minutes")])
        keys = redis.Redis.from_url(redis_url).keys(f"{prefix}:*")
        assert any(key.endswith(b":lock") for key in keys)
    finally:
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)


@pytest.mark.parametrize(
    ("address", "bucket"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("fe80::1%eth0", "fe80::/64"),
        ("", None),
        (None, None),
        ("not an address", None),
    ],
)
def test_client_addresses_are_counted_by_bucket(address, bucket):
    assert throttling.address_bucket(address) == bucket
