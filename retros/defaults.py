"""What a new org's retrospectives start from: the default template's sections and the factor taxonomy."""

DEFAULT_TEMPLATE_NAME = "Standard retrospective"
DEFAULT_TEMPLATE_SLUG = "standard"
DEFAULT_SECTIONS = [
    ("summary", "Summary", "What happened, in a few sentences someone new to the team understands."),
    ("customer_impact", "Customer impact", "Who was affected, how, and for how long. Numbers beat adjectives."),
    ("timeline", "Timeline", "Drafted from the incident's key events. Add what happened outside Firebreak."),
    (
        "contributing_factors",
        "Contributing factors",
        "What made this possible or worse? Tag the factors above and explain each here. Avoid blaming people.",
    ),
    ("what_went_well", "What went well", "What helped: detection, tooling, people, luck. Keep doing it."),
    ("what_was_hard", "What was hard", "Where did the response stall, and why?"),
    ("lessons", "Lessons", "What do we know now that we did not know before?"),
    ("action_items", "Action items", "Action items are follow-up tickets (listed below). Note anything else here."),
]
FACTORS = [
    ("Change", "change", "A deploy, migration or configuration rollout started or worsened it."),
    ("Capacity", "capacity", "Load, quotas or resource limits were exceeded."),
    ("Dependency", "dependency", "An upstream service or third party failed or degraded."),
    ("Configuration", "configuration", "A wrong or drifting setting."),
    ("Monitoring gap", "monitoring-gap", "We found out late, or from customers."),
    ("Process", "process", "A missing, unclear or skipped procedure."),
]
