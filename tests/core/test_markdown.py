"""core.markdown: CommonMark + GFM tables and strikethrough, sanitized, and linear on the worst known inputs."""

import time

import pytest

from core import limits, markdown

# The inputs that made python-markdown quadratic (or that stress a CommonMark parser's delimiter and bracket
# stacks), each repeated up to a length.
WORST_INPUTS = {
    "unclosed links": "[a](",
    "open brackets": "[",
    "nested brackets": "[[",
    "images": "![a](",
    "emphasis": "*a",
    "underscores": "_a",
    "mixed delimiters": "*_",
    "strong": "**a",
    "strikethrough": "~~a",
    "backtick runs": "`a``",
    "autolinks": "<a",
    "entities": "&#",
    "blockquotes": ">",
    "list markers": "- ",
    "nested lists": "  - a\n",
    "raw nested divs": "<div>",
    "raw nested lists": "<ul><li>",
}


def repeated(unit: str, length: int) -> str:
    return (unit * (length // len(unit) + 1))[:length]


def cpu_seconds(text: str) -> float:
    """The least CPU time of three renders (the least is the one least disturbed by the machine)."""
    times = []
    for _ in range(3):
        start = time.process_time()
        markdown.render(text)
        times.append(time.process_time() - start)
    return min(times)


def test_renders_the_formatting_people_use():
    text = (
        "**Rolled back** the ~~canary~~ deploy, see [graph](https://g.test/x).\n\n"
        "| step | owner |\n|------|-------|\n| drain | Rhea |\n\n"
        "```python\nprint('hi')\n```\n\n"
        "- one\n- two\n\n1. first\n2. second\n\n> quoted\n\n### Next\n\n---\n"
    )

    assert markdown.render(text) == (
        '<p><strong>Rolled back</strong> the <del>canary</del> deploy, see <a href="https://g.test/x" '
        'rel="noopener noreferrer nofollow">graph</a>.</p>\n'
        "<table>\n<thead>\n<tr>\n<th>step</th>\n<th>owner</th>\n</tr>\n</thead>\n"
        "<tbody>\n<tr>\n<td>drain</td>\n<td>Rhea</td>\n</tr>\n</tbody>\n</table>\n"
        "<pre><code>print('hi')\n</code></pre>\n"
        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"
        "<ol>\n<li>first</li>\n<li>second</li>\n</ol>\n"
        "<blockquote>\n<p>quoted</p>\n</blockquote>\n<h3>Next</h3>\n<hr>"
    )


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("<script>alert(1)</script>", ""),
        ("**Canaries** <script>alert(1)</script>", "<p><strong>Canaries</strong> </p>"),
        ("<img src=x onerror=alert(1)>", ""),
        ("[x](javascript:alert(1))", '<p><a rel="noopener noreferrer nofollow">x</a></p>'),
        (
            '<a href="JaVaScRiPt:alert(1)" onclick="alert(1)">y</a>',
            '<p><a rel="noopener noreferrer nofollow">y</a></p>',
        ),
        ("# Title", "Title"),
    ],
)
def test_output_keeps_no_script_handler_or_unsafe_link(text, html):
    assert markdown.render(text) == html


@pytest.mark.parametrize("name", sorted(WORST_INPUTS))
def test_the_worst_known_inputs_render_in_linear_time_at_the_limit(name):
    unit = WORST_INPUTS[name]
    quarter = cpu_seconds(repeated(unit, limits.TEXT_MAX_CHARS // 4))
    full = cpu_seconds(repeated(unit, limits.TEXT_MAX_CHARS))

    # Four times the input: a linear renderer takes about four times as long, a quadratic one sixteen. The
    # bounds are generous (a slow machine, a noisy neighbour); python-markdown took 8 s at 24 KB.
    assert full < 0.5
    assert full <= max(10 * quarter, 0.02)


def test_the_long_text_limit_renders_the_worst_input_well_under_a_second():
    assert cpu_seconds(repeated("[a](", limits.LONG_TEXT_MAX_CHARS)) < 1.0


def test_markup_nested_past_the_depth_limit_is_shown_as_written():
    deep = ">" * (limits.MAX_NESTING_DEPTH + 1) + " <b>x</b>"

    assert markdown.render(deep) == "<p>" + "&gt;" * (limits.MAX_NESTING_DEPTH + 1) + " &lt;b&gt;x&lt;/b&gt;</p>"


def test_markup_nested_to_the_depth_limit_is_rendered():
    text = ">" * (limits.MAX_NESTING_DEPTH - 2) + " x"  # each blockquote level, plus the paragraph

    html = markdown.render(text)

    assert html.count("<blockquote>") == limits.MAX_NESTING_DEPTH - 2
    assert "<p>x</p>" in html
