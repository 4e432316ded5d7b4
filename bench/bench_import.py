"""Bulk registration import (2,660 rows from XLSX) against openpyxl alone reading the same file; badge sheets."""

TITLE = "Registration import (2,660 rows) and badge sheets"

ROWS = 2660


def _workbook_bytes(role_name):
    import io
    import random

    from openpyxl import Workbook
    from stdnum.th import pin

    from registration.imports import TEMPLATE_HEADERS

    rng = random.Random(2564)
    firsts = ["สมชาย", "สมศรี", "ประเสริฐ", "วิไล", "บุญมี", "มาลี", "สุรชัย", "อรุณี", "ทองดี", "จันทร์เพ็ญ"]
    lasts = ["ใจดี", "ศรีสุข", "รักไทย", "บุญมา", "แก้วมณี", "คำแสน", "ทองคำ", "พรหมมา"]
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(TEMPLATE_HEADERS)
    for i in range(ROWS):
        body = "3" + f"{rng.randrange(10**11):011d}"
        sheet.append(
            [
                rng.choice(["นาย", "นาง", "นางสาว"]),
                rng.choice(firsts),
                rng.choice(lasts) + f"{i:04d}".translate(str.maketrans("0123456789", "กขคงจฉชซฌญ")),
                "กรรมการ",
                "คณะกรรมการกองทุน กข.คจ.",
                f"บ้านหมู่ที่ {i % 20 + 1}",
                "พระบาท",
                "เมืองลำปาง",
                role_name,
                f"08{i:08d}",
                "",
                body + pin.calc_check_digit(body),
                "ลำปาง",
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run():
    from bench.common import setup_django, timed

    setup_django()
    import io

    from openpyxl import load_workbook

    from meetings.demo import DEMO_SLUG
    from meetings.models import Province, Quota, RoleCategory, Session
    from meetings.pdf import render_pdf
    from meetings.tests.factories import make_session
    from registration.models import Registration
    from registration.services import import_participants
    from registration.views import badge_context
    from training.demo import seed_demo

    # --- import -------------------------------------------------------------------------------------
    lampang = Province.objects.get(code="TH-52")
    committee = RoleCategory.objects.get(code="committee")
    session = make_session(slug="bench-import", title="bench import")
    Quota.objects.create(session=session, province=lampang, role=committee, seats=ROWS)
    content = _workbook_bytes(committee.name_th)

    def openpyxl_read():
        workbook = load_workbook(io.BytesIO(content), read_only=True)
        rows = list(workbook.worksheets[0].iter_rows(values_only=True))
        workbook.close()
        return len(rows)

    def fresh_import():
        Registration.objects.filter(session=session).delete()
        return import_participants(session=session, province=lampang, content=content, filename="bench.xlsx", actor=None)

    read_median, read_all, n_rows = timed(openpyxl_read, repeat=5)
    import_median, import_all, result = timed(fresh_import, repeat=5)
    assert len(result.created) == ROWS and n_rows == ROWS + 1
    reupload_median, reupload_all, again = timed(
        import_participants, session=session, province=lampang, content=content, filename="bench.xlsx", actor=None, repeat=3
    )
    assert len(again.already_registered) == ROWS

    # --- badges -------------------------------------------------------------------------------------
    seed_demo()
    demo = Session.objects.get(slug=DEMO_SLUG)
    active = (
        Registration.objects.active()
        .filter(session=demo)
        .select_related("province", "role", "venue")
        .order_by("province__code", "role__order", "first_name", "last_name")
    )
    one = active.filter(province=lampang)
    n_one = one.count()

    def badges(queryset):
        return render_pdf("registration/badges_pdf.html", badge_context(demo, list(queryset)))

    one_median, one_all, pdf = timed(badges, one, repeat=3)
    all_median, all_all, all_pdf = timed(badges, active, repeat=1)
    n_all = active.count()

    def fmt(values):
        return ", ".join(f"{t:.2f}" for t in values)

    return (
        "| what | median (s) | runs |\n| --- | ---: | --- |\n"
        f"| baseline: openpyxl alone reads the {ROWS:,}-row XLSX (read-only, values) | {read_median:.2f} | {fmt(read_all)} |\n"
        f"| `import_participants`: read, check every cell, quotas, duplicates, insert {ROWS:,} rows | {import_median:.2f} | {fmt(import_all)} |\n"
        f"| same file uploaded again (all {ROWS:,} already registered, nothing written) | {reupload_median:.2f} | {fmt(reupload_all)} |\n"
        f"| badge sheet PDF, one province (Lampang, {n_one} people, {len(pdf) // 1024} KiB) | {one_median:.2f} | {fmt(one_all)} |\n"
        f"| badge sheets PDF, all 77 provinces ({n_all:,} people, {len(all_pdf) // 1024} KiB) | {all_median:.2f} | {fmt(all_all)} |\n\n"
        f"Ratio import / openpyxl read: **{import_median / read_median:.2f}×** (target under 2×).\n"
    )
