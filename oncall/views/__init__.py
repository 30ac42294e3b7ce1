"""Pages of the oncall app, one module per topic, re-exported here (STYLE.md §1): `schedules` (the list with who
is on call now and next, a schedule's page and editor), `layers` and `overrides` (their editors), `my_oncall` ("my
on-call shifts"), `feeds` (the iCal feeds: session-authenticated under /o/, or public by a member's secret URL
under /calendar/), `policies` (escalation policies and manual paging from an incident); `timeline` draws a
schedule's two-week timeline and `common` holds the schedule pages' shared helpers.

Viewers read; responders add and remove overrides ("I'll cover") and page people; admins manage schedules, layers
and policies. The timeline is drawn server-side in the schedule's time zone (hand-offs are defined there).
Callers import the package: `from oncall import views`.
"""

from oncall.views.common import (
    DATETIME_LOCAL,
    cover_url,
    feed_url,
    first_day_from,
    get_schedule,
    local_text,
    schedule_url,
    span_text,
)
from oncall.views.feeds import (
    FEED_AHEAD,
    FEED_PAST,
    ics_response,
    schedule_calendar,
    schedule_feed,
    schedule_ics,
    user_feed,
    user_ics,
)
from oncall.views.layers import layer_create, layer_delete, layer_form_page, layer_move, layer_update
from oncall.views.my_oncall import MY_SHIFTS_DAYS, my_oncall, my_oncall_feed
from oncall.views.overrides import override_create, override_delete
from oncall.views.policies import (
    incident_page,
    policy_create,
    policy_delete,
    policy_detail,
    policy_list,
    policy_update,
)
from oncall.views.schedules import (
    schedule_create,
    schedule_delete,
    schedule_detail,
    schedule_list,
    schedule_update,
)
from oncall.views.timeline import (
    DAY_NAMES,
    PALETTE,
    TIMELINE_DAYS,
    Bar,
    bar_label,
    days_text,
    describe_layer,
    now_next_context,
    schedule_now_next,
    shift_bar,
    timeline,
)

__all__ = [
    "DATETIME_LOCAL",
    "DAY_NAMES",
    "FEED_AHEAD",
    "FEED_PAST",
    "MY_SHIFTS_DAYS",
    "PALETTE",
    "TIMELINE_DAYS",
    "Bar",
    "bar_label",
    "cover_url",
    "days_text",
    "describe_layer",
    "feed_url",
    "first_day_from",
    "get_schedule",
    "ics_response",
    "incident_page",
    "layer_create",
    "layer_delete",
    "layer_form_page",
    "layer_move",
    "layer_update",
    "local_text",
    "my_oncall",
    "my_oncall_feed",
    "now_next_context",
    "override_create",
    "override_delete",
    "policy_create",
    "policy_delete",
    "policy_detail",
    "policy_list",
    "policy_update",
    "schedule_calendar",
    "schedule_create",
    "schedule_delete",
    "schedule_detail",
    "schedule_feed",
    "schedule_ics",
    "schedule_list",
    "schedule_now_next",
    "schedule_update",
    "schedule_url",
    "shift_bar",
    "span_text",
    "timeline",
    "user_feed",
    "user_ics",
]
