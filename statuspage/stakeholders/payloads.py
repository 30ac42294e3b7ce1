"""What a stakeholder update looks like to each kind of audience: the rendered text, and the JSON a Slack,
Mattermost or Microsoft Teams (Workflows) webhook receives. Pure functions over plain values: no database,
no network (delivery.py sends them).

Templates: a template's body names values between braces — ``{incident.title}``, ``{incident.number}``,
``{incident.status}``, ``{incident.severity}``, ``{incident.url}``, ``{message}`` — and ``{{``/``}}`` for a
literal brace. They are filled from a fixed dict of strings: the template is parsed with
``string.Formatter().parse`` and each field is looked up *by its whole name* in that dict, so nothing in a
template ever reaches an attribute or an item of a Python object (``{incident.__class__}`` is simply an
unknown placeholder); conversions (``!r``) and format specs (``:>10``) are refused.
"""

import string
from dataclasses import dataclass
from typing import Any

PLACEHOLDERS = (
    "incident.title",
    "incident.number",
    "incident.status",
    "incident.severity",
    "incident.url",
    "message",
)
DRILL_PREFIX = "[DRILL] "
SLACK_HEADER_MAX = 150  # Block Kit: a header's plain_text is at most 150 characters
SLACK_SECTION_MAX = 3000  # and a section's text at most 3000
MATTERMOST_COLOR = "#d9480f"
USERNAME = "Firebreak"


class TemplateError(ValueError):
    """A template that cannot be rendered; the message says why, in words for the form."""


@dataclass(frozen=True)
class Rendered:
    """One update as every audience sees it: `title` ("INC-42: Checkout is down", [DRILL] first for a drill),
    `text` (the template filled in, or the message), and the facts shown under it."""

    title: str
    text: str
    reference: str
    status: str
    severity: str
    url: str


def template_fields(body: str) -> list[str]:
    """The placeholders `body` uses, in order; TemplateError for a malformed template, an unknown
    placeholder, a conversion or a format spec."""
    try:
        parts = list(string.Formatter().parse(body))
    except ValueError as exc:
        raise TemplateError(f"The template is malformed: {exc}. Write {{{{ and }}}} for literal braces.") from exc
    fields = []
    for _literal, field, spec, conversion in parts:
        if field is None:
            continue
        if field not in PLACEHOLDERS:
            allowed = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
            shown = "{" + field + "}" if field else "{}"
            raise TemplateError(f"Unknown placeholder {shown}. Use only {allowed}.")
        if spec or conversion:
            raise TemplateError(f"Placeholder {{{field}}} takes no format: write it as {{{field}}}.")
        fields.append(field)
    return fields


def template_render(body: str, values: dict[str, str]) -> str:
    """`body` with each placeholder replaced by its value in `values` (a fixed dict of strings, keyed by the
    placeholder's whole name). Never attribute or item access: see the module's docstring."""
    template_fields(body)
    out = []
    for literal, field, _spec, _conversion in string.Formatter().parse(body):
        out.append(literal)
        if field is not None:
            out.append(values.get(field, ""))
    return "".join(out)


def values_for(*, reference: str, number: int, title: str, status: str, severity: str, url: str, message: str) -> dict:
    """The fixed dict a template is filled from."""
    return {
        "incident.title": title,
        "incident.number": str(number),
        "incident.reference": reference,
        "incident.status": status,
        "incident.severity": severity,
        "incident.url": url,
        "message": message,
    }


def render(*, values: dict[str, str], template_body: str = "", is_drill: bool = False) -> Rendered:
    """The update: the template filled in (or the message alone without a template); a drill's title and
    text start with [DRILL] so nobody takes a drill for the real thing."""
    text = template_render(template_body, values) if template_body.strip() else values["message"]
    title = f"{values['incident.reference']}: {values['incident.title']}"
    if is_drill:
        title, text = DRILL_PREFIX + title, DRILL_PREFIX + text
    return Rendered(
        title=title,
        text=text,
        reference=values["incident.reference"],
        status=values["incident.status"],
        severity=values["incident.severity"],
        url=values["incident.url"],
    )


def _facts(update: Rendered) -> str:
    return f"Status: {update.status} · Severity: {update.severity}"


def plain_text(update: Rendered) -> str:
    """Email body and chat fallback: title, text, facts, link."""
    return f"{update.title}\n\n{update.text}\n\n{_facts(update)}\n{update.url}"


def _slack_escape(text: str) -> str:
    """Slack's mrkdwn treats &, < and > as control characters (links, mentions): escape them."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def slack_payload(update: Rendered) -> dict[str, Any]:
    """Slack incoming webhook: `text` (notifications and clients without blocks) and Block Kit `blocks`:
    a header, the text as a section, and a context line with the facts and the incident's link."""
    facts = f"{_slack_escape(_facts(update))} · <{update.url}|Open {update.reference}>"
    return {
        "text": f"{update.title}\n{update.text}",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": _cut(update.title, SLACK_HEADER_MAX)}},
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": _cut(_slack_escape(update.text), SLACK_SECTION_MAX)},
            },
            {"type": "context", "elements": [{"type": "mrkdwn", "text": facts}]},
        ],
    }


def mattermost_payload(update: Rendered) -> dict[str, Any]:
    """Mattermost incoming webhook: `text` and one message attachment (fallback, color, title and its link,
    the text, the facts as short fields)."""
    return {
        "username": USERNAME,
        "text": f"**{update.title}**",
        "attachments": [
            {
                "fallback": f"{update.title}: {update.text}",
                "color": MATTERMOST_COLOR,
                "title": update.title,
                "title_link": update.url,
                "text": update.text,
                "fields": [
                    {"short": True, "title": "Status", "value": update.status},
                    {"short": True, "title": "Severity", "value": update.severity},
                ],
            }
        ],
    }


def teams_payload(update: Rendered) -> dict[str, Any]:
    """Microsoft Teams Workflows webhook ("Send webhook alerts to a channel"): a message whose one attachment
    is an Adaptive Card 1.4 — the title, the text, a fact set, and a button to the incident."""
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "text": update.title, "weight": "Bolder", "size": "Medium", "wrap": True},
            {"type": "TextBlock", "text": update.text, "wrap": True},
            {
                "type": "FactSet",
                "facts": [{"title": "Status", "value": update.status}, {"title": "Severity", "value": update.severity}],
            },
        ],
        "actions": [{"type": "Action.OpenUrl", "title": f"Open {update.reference}", "url": update.url}],
    }
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }


def email_subject(update: Rendered) -> str:
    return update.title.replace("\n", " ")[:250]
