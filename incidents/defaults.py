"""Defaults every new organization gets: SEV1..SEV5 and the four classic incident roles."""

SEVERITIES = [
    ("SEV1", 1, "Critical: complete outage or data loss for many customers.", True),
    ("SEV2", 2, "Major: a core feature is unavailable or badly degraded for many customers.", True),
    ("SEV3", 3, "Minor: partial degradation, a workaround exists, or few customers affected.", False),
    ("SEV4", 4, "Low: cosmetic or internal impact; no customer-facing impact.", False),
    ("SEV5", 5, "Informational: tracked for learning, no impact.", False),
]

ROLES = [
    (
        "Incident Commander",
        "incident-commander",
        "Runs the response: decides, delegates and keeps everyone on one plan.",
        "Own the incident until you hand it over. Set severity, assign roles, keep a steady cadence of updates, "
        "and decide when it is resolved.",
        [
            "Confirm severity and affected services",
            "Assign Communications Lead and Scribe",
            "Agree the next update time",
            "Decide when to resolve",
        ],
        True,
    ),
    (
        "Communications Lead",
        "communications-lead",
        "Keeps stakeholders and customers informed.",
        "Post internal updates on the agreed cadence and external updates for customer impact.",
        ["Post the first internal update", "Decide whether customers need an external update"],
        False,
    ),
    (
        "Scribe",
        "scribe",
        "Keeps the timeline complete for the retrospective.",
        "Record decisions, hypotheses and actions as notes; pin the important ones.",
        ["Record the first hypothesis", "Pin key decisions"],
        False,
    ),
    (
        "Operations Lead",
        "operations-lead",
        "Leads the hands-on technical work.",
        "Coordinate the people changing production; one change at a time, announced first.",
        ["Identify the change or cause", "Confirm mitigation with metrics"],
        False,
    ),
]
