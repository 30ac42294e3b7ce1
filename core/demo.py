"""`seed_demo` without a list of apps: each app's demo module is found through Django's app registry.

An app that has demo data keeps it in `<app>/demo.py` with `DEMO_ORDER` (when its step runs: an app's data
may need another's, e.g. alerts need the services and their escalation policies) and
`seed_demo(*, organization)`, which must be idempotent (running it twice changes nothing). The `orgs` app,
the ground, makes the demo organization and then runs every step in order; an app added later plugs its demo
data in by having such a module, without touching the command.
"""

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps


@dataclass(frozen=True)
class DemoStep:
    app: str
    order: int
    seed: Callable[..., Any]


def demo_steps() -> list[DemoStep]:
    """Every installed app's demo step, by `DEMO_ORDER` (ties by app name)."""
    steps = []
    for config in apps.get_app_configs():
        name = f"{config.name}.demo"
        if importlib.util.find_spec(name) is None:
            continue
        module = importlib.import_module(name)
        order = getattr(module, "DEMO_ORDER", None)
        if order is not None:
            steps.append(DemoStep(app=config.name, order=order, seed=module.seed_demo))
    return sorted(steps, key=lambda step: (step.order, step.app))


def demo_seed(*, organization: Any) -> list[str]:
    """Run every app's demo step for the demo organization, in order; returns the apps, in the order run."""
    steps = demo_steps()
    for step in steps:
        step.seed(organization=organization)
    return [step.app for step in steps]
