"""Lessons load no image from another site (a tracking pixel tells that site who read the lesson and
when); links to other sites stay links and open without a referrer."""

import re

import pytest

from training.markdown import render_markdown


def _img_sources(html):
    return re.findall(r"<img[^>]*\bsrc=\"([^\"]*)\"", html)


@pytest.mark.parametrize(
    "source",
    [
        "![pixel](https://tracker.example/p.png)",
        "![pixel](http://tracker.example/p.png)",
        "![pixel](//tracker.example/p.png)",
        '<img src="https://tracker.example/p.png" alt="pixel">',
        "![pixel](data:image/png;base64,iVBORw0KGgo=)",
        "![pixel](p.png)",  # relative: would resolve under the attendee's personal link
    ],
)
def test_an_image_from_another_site_renders_no_loading_img(source):
    html = render_markdown(source)
    assert _img_sources(html) == []
    assert "tracker.example" not in html
    assert 'alt="pixel"' in html  # the reader still sees what the picture was


def test_an_image_on_this_site_is_kept():
    html = render_markdown("![แผนผัง](/static/training/diagram.png)")
    assert _img_sources(html) == ["/static/training/diagram.png"]


def test_a_link_to_another_site_stays_a_link_without_referrer():
    html = render_markdown("[คู่มือ](https://www.example.go.th/manual.pdf)")
    assert '<a href="https://www.example.go.th/manual.pdf" rel="noopener noreferrer">คู่มือ</a>' in html
