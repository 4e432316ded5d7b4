"""Thai on screens without a Thai system font: the charts and Django's admin use the vendored Sarabun."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

TEMPLATES = Path(settings.BASE_DIR) / "templates"


@pytest.mark.django_db
def test_admin_pages_link_sarabun_and_use_it_for_the_admins_font(client):
    html = client.get("/admin/login/").content.decode()
    assert html.index("admin/css/base.css") < html.index("css/sarabun.css") < html.index("css/admin.css")
    admin_css = Path(finders.find("css/admin.css")).read_text()
    assert '--font-family-primary: "Sarabun"' in admin_css
    assert "@font-face" in Path(finders.find("css/sarabun.css")).read_text()


@pytest.mark.parametrize(
    "template", sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html") if "chart.umd.min.js" in p.read_text())
)
def test_every_chart_page_sets_sarabun_before_its_charts_draw(template):
    source = (TEMPLATES / template).read_text()
    chart_js, font_js = source.index("chart.umd.min.js"), source.index("js/chart_font.js")
    own_scripts = [source.index(name) for name in ("training/charts.js", "attendance/dashboard.js") if name in source]
    assert own_scripts and all(chart_js < font_js < index for index in own_scripts)


def test_there_are_chart_pages_to_check():
    assert len([p for p in TEMPLATES.rglob("*.html") if "chart.umd.min.js" in p.read_text()]) >= 3


def test_the_chart_font_script_sets_sarabun_for_every_chart():
    script = Path(finders.find("js/chart_font.js")).read_text()
    assert 'Chart.defaults.font.family = \'"Sarabun"' in script
