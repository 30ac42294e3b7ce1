"""Rate limits of the REST API (/api/v1/): a budget per API token, and one per client address for calls without
a valid token (no token, a malformed, revoked or expired one), so guessing tokens is as slow as the limit.

The rates are settings read on each call (API_RATE_LIMIT_TOKEN, API_RATE_LIMIT_ANONYMOUS, "<count>/<period>"),
counted in fixed windows in Django's cache (orgs/throttling.py). A refused call is a 429 with `Retry-After`
(seconds to the window's end) and the API's one error body, code `throttled`. The inbound alert endpoints
(/integrations/) are not DRF views and keep their own per-integration limits (alerting/ratelimit.py).
"""

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from orgs import throttling
from orgs.models import ApiToken


class ApiThrottle(BaseThrottle):
    """Counts the call against one budget when it applies (`scope_for`); `wait` and `describe` explain a refusal."""

    setting = ""

    def __init__(self) -> None:
        self.retry_after = 0
        self.limit, self.window = 0, 60

    def scope_for(self, request: Request) -> str | None:
        raise NotImplementedError

    def allow_request(self, request: Request, view: Any) -> bool:
        scope = self.scope_for(request)
        if scope is None:
            return True
        self.limit, self.window = throttling.rate_parse(getattr(settings, self.setting))
        self.retry_after = throttling.counter_hit(scope=scope, limit=self.limit, window=self.window)
        return self.retry_after == 0

    def wait(self) -> float:
        return self.retry_after

    def describe(self) -> str:
        raise NotImplementedError


class TokenRateThrottle(ApiThrottle):
    """Per API token (by its id: every token has its own budget, whatever its organization)."""

    setting = "API_RATE_LIMIT_TOKEN"

    def scope_for(self, request: Request) -> str | None:
        return f"api:token:{request.auth.uuid}" if isinstance(request.auth, ApiToken) else None

    def describe(self) -> str:
        return f"Too many requests with this API token: the limit is {throttling.rate_text(self.limit, self.window)}."


class AnonymousRateThrottle(ApiThrottle):
    """Per client address, for calls no valid token authenticated."""

    setting = "API_RATE_LIMIT_ANONYMOUS"

    def scope_for(self, request: Request) -> str | None:
        if isinstance(request.auth, ApiToken):
            return None
        bucket = throttling.address_bucket(throttling.client_address(request))
        return None if bucket is None else f"api:ip:{bucket}"

    def describe(self) -> str:
        limit = throttling.rate_text(self.limit, self.window)
        return f"Too many requests without a valid API token from your address: the limit is {limit}."
