"""Render a chart's README as sanitised HTML: Markdown without raw HTML, then an allow-list.

Two layers, because the README comes from an untrusted registry: markdown-it-py renders
CommonMark (plus tables and strikethrough) with `html` off, so raw HTML is escaped as
text; nh3 (ammonia) then keeps only the listed tags and attributes and http(s)/mailto
links. Images stay (the page's CSP allows https images only) and links get
`rel="noopener noreferrer nofollow"`. Headings are shifted down two levels, so the
README's own `# Title` never competes with the page's h1.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

MAX_README_CHARS = 512 * 1024

TAGS = {
    "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "img", "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th", "thead", "tr",
    "ul",
}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"},
              "th": {"align"}, "td": {"align"}, "ol": {"start"}}

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
    ["table", "strikethrough"])


def render_readme(text: str) -> Markup:
    """Return the README as HTML that is safe to put in a page."""
    if len(text) > MAX_README_CHARS:
        text = text[:MAX_README_CHARS] + "\n\n*(README truncated)*\n"
    tokens = _renderer.parse(text)
    for token in tokens:
        # The README sits under the page's own h1 and an h2: its headings start at h3.
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 2, 6)}"
    html = _renderer.renderer.render(tokens, _renderer.options, {})
    clean = nh3.clean(html, tags=TAGS, attributes=ATTRIBUTES,
                      url_schemes={"http", "https", "mailto"},
                      link_rel="noopener noreferrer nofollow", strip_comments=True)
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above
