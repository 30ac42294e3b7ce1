"""What each kind of audience receives (exact JSON), and templates filled from a fixed dict only."""

import pytest

from statuspage.stakeholders import payloads

VALUES = payloads.values_for(
    reference="INC-42",
    number=42,
    title="Checkout is down",
    status="Investigating",
    severity="SEV1",
    url="https://firebreak.test/o/acme/incidents/42/",
    message="Payments fail for <some> cards & we are on it.",
)


def update(is_drill: bool = False) -> payloads.Rendered:
    return payloads.render(values=VALUES, is_drill=is_drill)


def test_slack_payload_is_text_and_block_kit() -> None:
    assert payloads.slack_payload(update()) == {
        "text": "INC-42: Checkout is down\nPayments fail for <some> cards & we are on it.",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "INC-42: Checkout is down"}},
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "Payments fail for &lt;some&gt; cards &amp; we are on it."},
            },
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": "Status: Investigating · Severity: SEV1 · "
                        "<https://firebreak.test/o/acme/incidents/42/|Open INC-42>",
                    }
                ],
            },
        ],
    }


def test_slack_header_is_cut_to_block_kit_limit() -> None:
    values = {**VALUES, "incident.title": "x" * 300}
    header = payloads.slack_payload(payloads.render(values=values))["blocks"][0]["text"]["text"]
    assert len(header) == payloads.SLACK_HEADER_MAX
    assert header.endswith("…")


def test_mattermost_payload_is_text_and_attachment() -> None:
    assert payloads.mattermost_payload(update()) == {
        "username": "Firebreak",
        "text": "**INC-42: Checkout is down**",
        "attachments": [
            {
                "fallback": "INC-42: Checkout is down: Payments fail for <some> cards & we are on it.",
                "color": "#d9480f",
                "title": "INC-42: Checkout is down",
                "title_link": "https://firebreak.test/o/acme/incidents/42/",
                "text": "Payments fail for <some> cards & we are on it.",
                "fields": [
                    {"short": True, "title": "Status", "value": "Investigating"},
                    {"short": True, "title": "Severity", "value": "SEV1"},
                ],
            }
        ],
    }


def test_teams_payload_is_an_adaptive_card_message() -> None:
    assert payloads.teams_payload(update()) == {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [
                        {
                            "type": "TextBlock",
                            "text": "INC-42: Checkout is down",
                            "weight": "Bolder",
                            "size": "Medium",
                            "wrap": True,
                        },
                        {"type": "TextBlock", "text": "Payments fail for <some> cards & we are on it.", "wrap": True},
                        {
                            "type": "FactSet",
                            "facts": [
                                {"title": "Status", "value": "Investigating"},
                                {"title": "Severity", "value": "SEV1"},
                            ],
                        },
                    ],
                    "actions": [
                        {
                            "type": "Action.OpenUrl",
                            "title": "Open INC-42",
                            "url": "https://firebreak.test/o/acme/incidents/42/",
                        }
                    ],
                },
            }
        ],
    }


def test_drill_is_marked_in_title_and_text() -> None:
    drill = update(is_drill=True)
    assert drill.title == "[DRILL] INC-42: Checkout is down"
    assert drill.text.startswith("[DRILL] Payments fail")
    assert payloads.slack_payload(drill)["text"].startswith("[DRILL] INC-42")


def test_template_fills_placeholders_from_the_fixed_dict() -> None:
    body = "{incident.number} {incident.title} ({incident.severity}, {incident.status}) {{literal}}"
    body += "\n{message}\n{incident.url}"
    assert payloads.template_render(body, VALUES) == (
        "42 Checkout is down (SEV1, Investigating) {literal}\n"
        "Payments fail for <some> cards & we are on it.\nhttps://firebreak.test/o/acme/incidents/42/"
    )


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("{incident.__class__}", "Unknown placeholder {incident.__class__}"),
        ("{incident.title.__class__.__mro__}", "Unknown placeholder"),
        ("{message[0]}", "Unknown placeholder {message[0]}"),
        ("{incident}", "Unknown placeholder {incident}"),
        ("{}", "Unknown placeholder {}"),
        ("{0}", "Unknown placeholder {0}"),
        ("{message!r}", "takes no format"),
        ("{message:>99999}", "takes no format"),
        ("{message", "malformed"),
        ("}", "malformed"),
    ],
)
def test_template_refuses_anything_but_the_placeholders(body: str, words: str) -> None:
    with pytest.raises(payloads.TemplateError, match=words.replace("{", r"\{").replace("[", r"\[")):
        payloads.template_fields(body)
