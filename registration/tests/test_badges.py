"""Printables: the badge sheet's QR codes scan from a 150 dpi rendering; Thai renders in Sarabun."""

import glob
import os
import re
import subprocess
import tempfile

import pytest
import zxingcpp
from django.urls import reverse
from PIL import Image

from meetings.tests.factories import PASSWORD
from registration.tests.factories import make_registration
from registration.tests.registration_fixtures import *  # noqa: F403
from registration.tickets import read_ticket

pytestmark = pytest.mark.django_db


def pdf_pages_as_images(pdf, dpi=150):
    """Render each page with poppler's pdftoppm, as a printer would see it."""
    folder = tempfile.mkdtemp(prefix="badges-")
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-", os.path.join(folder, "page")], input=pdf, check=True)
    return [Image.open(path) for path in sorted(glob.glob(os.path.join(folder, "page*.png")))]


def skeleton(text):
    return re.sub(r"[\u0e31-\u0e3a\u0e47-\u0e4e\u0e32\u0e33\s]", "", text)


def pdf_fonts(pdf):
    result = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True)
    return [line.split()[0] for line in result.stdout.decode().splitlines()[2:] if line.strip()]


@pytest.fixture
def lampang_people(open_session):
    people = [
        make_registration(open_session, "TH-52", "committee", prefix="นางสาว", first_name="น้ำฝน", last_name="ศรีสุข"),
        make_registration(open_session, "TH-52", "committee", prefix="นาย", first_name="สมชาย", last_name="ใจกล้า"),
        make_registration(open_session, "TH-52", "provincial_officer", prefix="นาง", first_name="ปิ่นแก้ว", last_name="เรืองศรี"),
    ]
    make_registration(open_session, "TH-50", "committee", first_name="เชียงใหม่คน")
    return people


def test_badge_sheet_qr_codes_scan_from_the_printed_page(client, lampang_officer, open_session, lampang_people):
    client.login(username=lampang_officer.username, password=PASSWORD)
    response = client.get(reverse("registration:badges", kwargs={"session_pk": open_session.pk}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    pages = pdf_pages_as_images(pdf)
    assert len(pages) == 1
    decoded = {barcode.text for page in pages for barcode in zxingcpp.read_barcodes(page)}
    # Badges carry check-in tickets, not personal links: a photo of one opens nobody's page.
    assert decoded == {person.get_ticket() for person in lampang_people}
    assert {read_ticket(text).registration_id for text in decoded} == {person.pk for person in lampang_people}
    for text in decoded:
        assert client.get(f"/p/{text}/").status_code == 404
    fonts = pdf_fonts(pdf)
    assert fonts and all("Sarabun" in name for name in fonts), fonts


def test_badge_sheet_holds_eight_per_a4_page(client, lampang_officer, open_session, lampang_committee_quota):
    for n in range(9):
        make_registration(open_session, "TH-52", "committee", first_name=f"คนที่{n}", phone=f"08100000{n:02d}")
    client.login(username=lampang_officer.username, password=PASSWORD)
    pdf = client.get(reverse("registration:badges", kwargs={"session_pk": open_session.pk})).content
    pages = pdf_pages_as_images(pdf, dpi=150)
    assert len(pages) == 2
    width, height = pages[0].size
    assert abs(width / 150 * 25.4 - 210) < 2 and abs(height / 150 * 25.4 - 297) < 2  # A4
    assert len(zxingcpp.read_barcodes(pages[0])) == 8 and len(zxingcpp.read_barcodes(pages[1])) == 1


def test_registration_list_pdf_has_the_thai_names(client, central_organiser, open_session, lampang_people):
    client.login(username=central_organiser.username, password=PASSWORD)
    pdf = client.get(reverse("registration:list_pdf", kwargs={"session_pk": open_session.pk}), {"province": "TH-52"}).content
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    # pdftotext reorders Thai marks (ที่ → ท่ี, ำ → ํา); compare the consonant skeletons.
    text = skeleton(text)
    assert all(skeleton(word) in text for word in ("น้ำฝน", "ศรีสุข", "ปิ่นแก้ว", "เรืองศรี")) and skeleton("เชียงใหม่คน") not in text
    assert all("Sarabun" in name for name in pdf_fonts(pdf))


def pdf_words(pdf):
    """[(word, xMin, xMax, yMin)] in points, page 1, from poppler's pdftotext -bbox."""
    html = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>'
    return [(word, float(x0), float(x1), float(y0)) for x0, y0, x1, word in re.findall(pattern, html)]


def pdf_lines(pdf):
    """The PDF's text line by line, rebuilt from where poppler places each word (pdftotext -bbox): its
    plain output moves a Thai mark such as ์ to a line of its own, which would look like a broken name."""
    html = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    words = []
    for page, body in enumerate(html.split("<page ")[1:]):
        for x0, y1, text in re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', body):
            words.append((page, float(y1), float(x0), text))
    lines = []
    for page, y1, x0, text in sorted(words):
        if not lines or lines[-1][0] != page or y1 - lines[-1][1] > 2:  # a new line: lower by more than 2 pt
            lines.append([page, y1, []])
        lines[-1][2].append((x0, text))
    return ["".join(text for _x, text in sorted(parts)) for _page, _y, parts in lines]


def pdf_page_count(pdf):
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def on_one_line(lines, text):
    """Whether `text` is printed whole on one line (a name broken inside a word is spread over two)."""
    return any(skeleton(text) in skeleton(line) for line in lines)


LONG_FIRST, LONG_SURNAME = "พรรณนภาภรณ์", "ศรีสวัสดิ์วงศ์ตระกูล"


def test_a_long_surname_is_never_broken_inside_on_the_list_pdf(client, central_organiser, open_session):
    make_registration(open_session, "TH-52", "committee", prefix="นางสาว", first_name=LONG_FIRST, last_name=LONG_SURNAME)
    client.force_login(central_organiser)
    pdf = client.get(reverse("registration:list_pdf", kwargs={"session_pk": open_session.pk}), {"province": "TH-52"}).content
    lines = pdf_lines(pdf)
    assert on_one_line(lines, LONG_SURNAME) and on_one_line(lines, "นางสาว" + LONG_FIRST)


def test_a_long_surname_is_never_broken_inside_on_a_badge(client, central_organiser, open_session):
    make_registration(open_session, "TH-52", "committee", prefix="นางสาว", first_name=LONG_FIRST, last_name=LONG_SURNAME)
    make_registration(open_session, "TH-52", "committee", prefix="นาย", first_name="ก้อง", last_name="แก้วดีงาม")
    client.force_login(central_organiser)
    pdf = client.get(reverse("registration:badges", kwargs={"session_pk": open_session.pk}), {"province": "TH-52"}).content
    lines = pdf_lines(pdf)
    assert on_one_line(lines, LONG_SURNAME) and on_one_line(lines, "แก้วดีงาม")


def test_the_list_pdf_holds_at_least_20_people_a_page(client, central_organiser, open_session):
    """60 committee members with the usual long Thai texts fit on 3 landscape pages."""
    for n in range(60):
        make_registration(
            open_session,
            "TH-52",
            "committee",
            prefix="นางสาว" if n % 2 else "นาย",
            first_name=f"ปิ่นแก้ว{n}",
            last_name="เรืองศรีสุข",
            position="ประธานคณะกรรมการ กข.คจ.",
            organisation="คณะกรรมการบริหารกองทุน กข.คจ. ระดับหมู่บ้าน",
            village=f"บ้านวังน้ำเย็น หมู่ที่ {n % 15 + 1}",
            subdistrict="ทุ่งใหญ่",
            district="เมืองลำปาง",
            phone=f"0891{n:06d}",
        )
    client.force_login(central_organiser)
    pdf = client.get(reverse("registration:list_pdf", kwargs={"session_pk": open_session.pk}), {"province": "TH-52"}).content
    assert pdf_page_count(pdf) <= 3
