"""HTML message bodies made safe to show in the console: an allowlist sanitiser (nh3, the
Rust ammonia library). No script or style elements, no event-handler or style attributes, links
only to http(s) and mailto, no images (remote images are tracking pixels); every kept link gets
rel="noopener noreferrer nofollow".
"""

from __future__ import annotations

import nh3

MAX_HTML = 2_000_000  # characters; longer bodies are cut before sanitising (the raw is kept)

TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt",
        "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "ins", "li", "ol", "p", "pre",
        "q", "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
        "thead", "tr", "u", "ul",
    }
)  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "blockquote": {"cite"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


def sanitise_html(html: str) -> str:
    """The body with only allowlisted markup left; script/style contents are dropped."""
    return nh3.clean(
        html[:MAX_HTML],
        tags=set(TAGS),
        clean_content_tags={"script", "style"},
        attributes={k: set(v) for k, v in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
