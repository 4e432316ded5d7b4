"""Lesson Markdown to HTML that is safe to show: Markdown renders, nh3 removes anything dangerous."""

from urllib.parse import urlsplit

import markdown as _markdown
import nh3

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan"},
}


def is_local_image(src):
    """An image on this site, named by an absolute path ("/static/…"). Anything else would make the
    attendee's browser ask another server, which then learns who read the lesson and when (a
    tracking pixel); a relative path would resolve under the personal link."""
    parts = urlsplit(src.strip())
    return not parts.scheme and not parts.netloc and parts.path.startswith("/") and not parts.path.startswith("//")


def _drop_external_images(tag, attribute, value):
    if tag == "img" and attribute == "src" and not is_local_image(value):
        return None  # the <img> keeps its alt text and loads nothing
    return value


def render_markdown(text):
    """Staff write Markdown; raw HTML in it (scripts, iframes, event handlers) never reaches the page,
    images from other sites are not loaded, and links to them open without a referrer."""
    html = _markdown.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_drop_external_images,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
