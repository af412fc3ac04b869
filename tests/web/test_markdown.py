"""Chart READMEs are Markdown from an untrusted registry: no raw HTML reaches the page."""

from __future__ import annotations

from chartyard.web.markdown import MAX_README_CHARS, render_readme


def test_markdown_renders_and_raw_html_is_escaped() -> None:
    html = str(render_readme(
        "# Title\n\n**bold** `code`\n\n<script>alert(1)</script>\n\n"
        "<img src=x onerror=alert(1)>\n\n[ok](https://example.com) [bad](javascript:alert(1))\n"
        "\n![logo](https://example.com/l.png)\n\n| a |\n|---|\n| 1 |\n"))
    assert "<h3>Title</h3>" in html and "<strong>bold</strong>" in html
    assert "<script" not in html and "<img src=\"x\"" not in html
    assert "&lt;script&gt;" in html and "&lt;img" in html
    assert 'href="https://example.com" rel="noopener noreferrer nofollow"' in html
    assert 'href="javascript' not in html
    assert '<img src="https://example.com/l.png" alt="logo">' in html
    assert "<td>1</td>" in html


def test_sanitiser_drops_what_markdown_would_let_through() -> None:
    html = str(render_readme('[x](<javascript:alert(1)>) <a href="https://a">raw</a>\n'))
    assert 'href="javascript' not in html
    assert "&lt;a href" in html


def test_huge_readme_is_truncated() -> None:
    html = str(render_readme("a" * (MAX_README_CHARS + 10)))
    assert "README truncated" in html
