"""Markdown for everything people write (notes, status updates, retrospective sections, follow-ups):
rendered once, when it is saved, then sanitized with nh3 (no scripts, no handlers, safe links only).

The renderer is GitHub's cmark-gfm (through cmarkgfm): a CommonMark parser in C whose run time is linear
in its input, pathological inputs included (its test suite carries them). python-markdown, used before,
is quadratic on input like `"[a](" * n`: 24 KB took 8 s and 80 KB over 90 s of CPU. The GFM table and
strikethrough extensions are on; raw HTML is passed through to nh3, which keeps only ALLOWED_TAGS (so
`<script>` disappears with its content, as before). The inputs are capped too (core.limits.TEXT_MAX_CHARS,
LONG_TEXT_MAX_CHARS), so the worst case stays in milliseconds: figures in docs/performance.md.

nh3's HTML parser (html5ever) is itself quadratic in nesting depth (`">" * 20_000` is 20,000 nested
blockquotes: 1 s; `"<div>" * n` the same). No note nests deeper than a few levels, so HTML nested deeper
than `limits.MAX_NESTING_DEPTH` is not parsed at all: the text is shown as written, escaped, in one
paragraph. Measuring the depth is one linear scan of the tags.
"""

import html
import re

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options

from core import limits

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a", "h3", "h4", "h5", "hr",
    "table", "thead", "tbody", "tr", "th", "td", "del",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
EXTENSIONS = ["table", "strikethrough"]
# UNSAFE only means "leave raw HTML in the output": nh3 below is what makes the result safe.
OPTIONS = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_VALIDATE_UTF8


TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*>")
VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
)


def nesting_depth(markup: str) -> int:
    """How deep the elements of `markup` nest (approximately: unclosed tags count as open), in one scan."""
    depth = deepest = 0
    for closing, name in TAG.findall(markup):
        if name.lower() in VOID_TAGS:
            continue
        depth = max(depth - 1, 0) if closing else depth + 1
        deepest = max(deepest, depth)
    return deepest


def render(text: str) -> str:
    """Markdown → safe HTML: only formatting tags survive, links get rel=noopener and http(s)/mailto only."""
    markup = cmarkgfm.markdown_to_html_with_extensions(text, options=OPTIONS, extensions=EXTENSIONS)
    if nesting_depth(markup) > limits.MAX_NESTING_DEPTH:
        return "<p>" + html.escape(text.strip()) + "</p>"
    return nh3.clean(
        markup,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    ).strip()
