"""Guard: every date and time in the page templates goes through `{% datetime %}` (core/timefmt.py), so the
app shows one format in the viewer's zone. E-mails are not pages and keep their own wording."""

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
FORBIDDEN = re.compile(
    r"\|\s*(?:date|time)\b(?!_)"  # Django's date/time filters (|datetime_text is ours)
    r"|\b(?:timesince|timeuntil|naturaltime|naturalday|strftime)\b"
    r"|\{%\s*now\b"
    r"|<time\b"  # a hand-written <time> skips the viewer's zone and the UTC title
)


def page_templates() -> list[Path]:
    return [
        path
        for path in sorted(TEMPLATES.rglob("*"))
        if path.is_file() and "email" not in path.relative_to(TEMPLATES).as_posix() and path.suffix == ".html"
    ]


def test_no_page_template_formats_a_time_itself():
    offenders = [
        f"{path.relative_to(TEMPLATES)}:{number}: {match.group(0)}"
        for path in page_templates()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        for match in FORBIDDEN.finditer(line)
    ]

    assert offenders == []


def test_the_guard_catches_each_way_round_the_tag():
    lines = [
        '{{ x|date:"Y-m-d" }}',
        "{{ x|time }}",
        "{{ x|timesince }} ago",
        "{{ x|naturaltime }}",
        '{% now "Y" %}',
        '<time datetime="{{ x }}">',
    ]
    allowed = ['{% datetime x "relative" %}', "{{ x|datetime_text }}", '<input type="date">', "{{ d.isoformat }}"]

    assert [bool(FORBIDDEN.search(line)) for line in lines] == [True] * len(lines)
    assert [bool(FORBIDDEN.search(line)) for line in allowed] == [False] * len(allowed)
