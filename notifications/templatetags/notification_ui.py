"""Template helpers of the delivery log and the notification pages."""

from django import template

register = template.Library()

BADGES = {
    "pending": "badge-neutral",
    "sending": "badge-info",
    "retrying": "badge-warning",
    "sent": "badge-success",
    "failed": "badge-danger",
    "canceled": "badge-neutral",
}


@register.filter
def delivery_badge(status: str) -> str:
    """The badge class of a delivery status (failed is loud, retrying amber, sent green)."""
    return BADGES.get(status, "badge-neutral")


@register.filter
def delay_label(minutes: int) -> str:
    """0 → "Immediately", 5 → "After 5 min", 90 → "After 1 h 30 min"."""
    if not minutes:
        return "Immediately"
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"After {rest} min"
    return f"After {hours} h" + (f" {rest} min" if rest else "")
