"""Every input limit of Firebreak in one place, so docs/api.md ("Limits") and the code cannot disagree.

A request past one of these is refused whole with a 400 (413 for a body over its size limit) whose
message names the limit; nothing is saved. The numbers are chosen so that the worst input at the limit
stays cheap to store and to render (docs/performance.md, "Markdown").
"""

from datetime import UTC, date, datetime, time

# --- request bodies ----------------------------------------------------------------------------------
# A JSON body of the API (the inbound alert endpoints keep their own, smaller MAX_BODY_BYTES).
JSON_MAX_BODY_BYTES = 1024 * 1024
# Nesting of any JSON or YAML document a client sends: deeper documents are refused before they are
# walked, so no parser or serializer recurses past it.
MAX_NESTING_DEPTH = 64
# A Backstage catalog-info.yaml (pasted, uploaded or sent to the API).
YAML_MAX_BYTES = 1_000_000
# Nodes a YAML document may expand to once its aliases are followed ("billion laughs" stops here).
YAML_MAX_NODES = 100_000

# --- text a person writes ---------------------------------------------------------------------------
# Markdown and plain text fields: notes, status updates, summaries, customer impact, descriptions,
# instructions, follow-up descriptions.
TEXT_MAX_CHARS = 20_000
# One section of a retrospective (the long form of the app).
LONG_TEXT_MAX_CHARS = 50_000
# Search boxes and free-text filters.
SEARCH_MAX_CHARS = 200
# Any one value of an API query parameter (a filter, a search, a cursor): the longest legitimate one is a
# label filter (a 253-character key prefix, a 63-character name and a 63-character value). The schema says
# so on every string parameter and core.middleware answers 400 beyond it.
QUERY_VALUE_MAX_CHARS = 500

# --- dates --------------------------------------------------------------------------------------------
# Every date or time a client sends (filters, milestones, due dates, schedule ranges) lies in this range:
# wide enough for any real incident, narrow enough that date arithmetic (a range plus a period, a
# week's Monday) never leaves what Python and PostgreSQL can represent.
DATE_MIN = date(1970, 1, 1)
DATE_MAX = date(2100, 12, 31)
DATETIME_MIN = datetime.combine(DATE_MIN, time.min, tzinfo=UTC)
DATETIME_MAX = datetime.combine(DATE_MAX, time.max, tzinfo=UTC)
