"""docs/architecture.md's table of domain events is the code's: every event an app defines, the app that
publishes it, and every subscriber with when it runs, as core.events has them registered."""

import importlib
import importlib.util
import re
from pathlib import Path

from django.apps import apps
from django.conf import settings

from core import events

WHEN = {"in_transaction": "in transaction", "on_commit": "after commit"}
ROW = re.compile(r"^\| `([a-z_.]+)` \| (\w+) \| (.*) \|$")
SUBSCRIBER = re.compile(r"(\w+): `([\w.]+)` \((in transaction|after commit)\)")

Table = dict[str, tuple[str, frozenset[tuple[str, str, str]]]]


def documented() -> Table:
    text = (Path(settings.BASE_DIR) / "docs" / "architecture.md").read_text()
    section = text[text.index("## Domain events") :]
    rows = [ROW.match(line) for line in section.splitlines()]
    return {m[1]: (m[2], frozenset(SUBSCRIBER.findall(m[3]))) for m in rows if m}


def registered() -> Table:
    for config in apps.get_app_configs():  # an event type exists once its app's events module is imported
        if importlib.util.find_spec(f"{config.name}.events") is not None:
            importlib.import_module(f"{config.name}.events")
    table = {}
    for name, kind in events.event_types().items():
        app = kind.__module__.split(".")[0]
        if app == "tests":
            continue
        subscribers = frozenset(
            (s.handler.__module__.split(".")[0], s.handler.__qualname__, WHEN[s.when])
            for s in events.subscriptions(name)
        )
        table[name] = (app, subscribers)
    return table


def test_the_events_table_matches_the_registry():
    assert documented() == registered()


def test_every_subscription_is_to_a_defined_event():
    registered()
    assert {s.event_name for s in events.subscriptions()} - set(events.event_types()) == set()
