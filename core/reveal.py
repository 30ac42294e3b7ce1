"""Secrets shown exactly once after a POST (an integration key, an API token, a webhook signing secret).

The view that creates the secret stashes it in the session and answers 303 See Other to a page that takes it
out (one read) and shows it. A refresh of that page re-submits nothing and finds nothing: it says the secret
was shown already. The stash lives in the server-side session for at most `REVEAL_TTL`, so a secret whose
page was never opened does not linger.
"""

import time
from typing import Any

from django.http import HttpRequest, HttpResponseRedirect

SESSION_KEY = "firebreak.reveal"
REVEAL_TTL = 600  # seconds: enough to follow the redirect, short enough not to keep secrets around


def see_other(url: str) -> HttpResponseRedirect:
    """303: the browser follows with a GET, so a refresh of where it lands never repeats the POST."""
    return HttpResponseRedirect(url, status=303)


def reveal_stash(request: HttpRequest, name: str, value: Any) -> None:
    """Keep `value` (JSON-serialisable) for one `reveal_take(request, name)`; stale stashes are dropped."""
    now = time.time()
    stash = {k: v for k, v in request.session.get(SESSION_KEY, {}).items() if now - v["at"] < REVEAL_TTL}
    stash[name] = {"value": value, "at": now}
    request.session[SESSION_KEY] = stash


def reveal_take(request: HttpRequest, name: str) -> Any | None:
    """The value stashed under `name`, removed so that it is shown once; None if taken, expired or never set."""
    stash = request.session.get(SESSION_KEY)
    if not stash or name not in stash:
        return None
    entry = stash.pop(name)
    if stash:
        request.session[SESSION_KEY] = stash
    else:
        del request.session[SESSION_KEY]
    if time.time() - entry["at"] >= REVEAL_TTL:
        return None
    return entry["value"]
