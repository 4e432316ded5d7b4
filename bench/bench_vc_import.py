"""Video-conference report import: a 10,000-row Zoom participants report read, matched to the demo's 2,660
registrations and stored, beside the csv module alone reading the same file."""

TITLE = "Video-conference report import (10,000-row Zoom report, 2,660 registrations)"

ROWS = 10_000
PEOPLE = 2660
RESULTS = {}


def _people(session):
    """The demo's numbers: 2,660 made-up people over the 77 provinces, each province with its venue."""
    import random

    from meetings.models import Province, RoleCategory, Venue
    from registration.demo import FEMALE_NAMES, MALE_NAMES, SURNAME_PARTS_A, SURNAME_PARTS_B
    from registration.models import Registration

    rng = random.Random(2564)
    provinces = list(Province.objects.order_by("code"))
    venues = Venue.objects.bulk_create(
        [Venue(session=session, province=p, name=f"สำนักงานพัฒนาชุมชนจังหวัด{p.name_th}", room="ห้องประชุม") for p in provinces]
    )
    role = RoleCategory.objects.get(code="committee")
    rows = []
    for index in range(PEOPLE):
        province, venue = provinces[index % len(provinces)], venues[index % len(venues)]
        male = rng.random() < 0.5
        rows.append(
            Registration(
                session=session,
                province=province,
                venue=venue,
                role=role,
                prefix="นาย" if male else rng.choice(("นาง", "นางสาว")),
                first_name=rng.choice(MALE_NAMES if male else FEMALE_NAMES),
                last_name=rng.choice(SURNAME_PARTS_A) + rng.choice(SURNAME_PARTS_B),
                phone=f"089{1000000 + index:07d}",
                email=f"person{index}@example.org" if index % 4 == 0 else "",
            )
        )
    Registration.objects.bulk_create(rows, batch_size=500)
    return list(Registration.objects.filter(session=session).select_related("province")), venues


def _report(session, people, venues):
    """A Zoom report of ROWS rows: every person reconnects a few times under one of the ways people write
    their name (code, e-mail, name with prefix, a typo, with the province), the provincial rooms, and devices."""
    import datetime
    import random
    from zoneinfo import ZoneInfo

    from attendance.vc.codes import join_code

    rng = random.Random(25641125)
    names = []
    for index, person in enumerate(people):
        style = index % 10
        province = person.province.name_th
        if style < 3:
            names.append((f"{join_code(person.pk)} {person.first_name} {person.last_name}", ""))
        elif style < 5 and person.email:
            names.append(("iPhone", person.email))
        elif style < 8:
            names.append((f"{person.prefix}{person.first_name} {person.last_name} ({province})", ""))
        elif style == 8:
            cut = rng.randrange(1, len(person.last_name) - 1)
            names.append((f"{person.first_name} {person.last_name[:cut]}{person.last_name[cut + 1 :]} {province}", ""))
        else:
            names.append((f"{person.first_name} {person.last_name}", ""))
    names += [(f"สนง.พช.จ.{venue.province.name_th}", "") for venue in venues]
    names += [(f"Galaxy A{n}", "") for n in range(60)]
    start = session.starts_at.astimezone(ZoneInfo("Asia/Bangkok"))  # the report's times are Bangkok wall-clock times
    lines = ["Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest"]
    for n in range(ROWS):
        name, email = names[n % len(names)]
        joined = start + datetime.timedelta(minutes=rng.randrange(-20, 170))
        left = joined + datetime.timedelta(minutes=rng.randrange(3, 90))
        fmt = "%m/%d/%Y %I:%M:%S %p"
        lines.append(f"{name},{email},{joined:{fmt}},{left:{fmt}},{int((left - joined).total_seconds() // 60)},No")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def run():
    from bench.common import setup_django, timed

    setup_django()
    import csv
    import datetime
    import io
    from zoneinfo import ZoneInfo

    from attendance.models import VcParticipantKind, VcReport
    from attendance.vc.formats import read_report
    from attendance.vc.services import import_vc_report
    from meetings.tests.factories import make_session

    bangkok = ZoneInfo("Asia/Bangkok")
    session = make_session(slug="bench-vc", title="bench vc", starts_at=datetime.datetime(2021, 11, 25, 9, tzinfo=bangkok))
    people, venues = _people(session)
    content = _report(session, people, venues)

    def csv_read():
        return sum(1 for _ in csv.reader(io.StringIO(content.decode("utf-8"), newline="")))

    def fresh_import():
        VcReport.objects.filter(session=session).delete()
        return import_vc_report(session=session, content=content, filename="zoom.csv", actor=None)

    read_median, read_all, n_lines = timed(csv_read, repeat=5)
    parse_median, parse_all, parsed = timed(read_report, content, session=session, repeat=3)
    import_median, import_all, result = timed(fresh_import, repeat=3)
    assert n_lines == ROWS + 1 and len(parsed.rows) == ROWS and result.report.rows == ROWS
    again_median, again_all, again = timed(import_vc_report, session=session, content=content, filename="zoom.csv", actor=None, repeat=3)
    assert not again.created
    kinds = result.kinds

    def fmt(values):
        return ", ".join(f"{t:.2f}" for t in values)

    RESULTS.update(
        {
            "rows": ROWS,
            "registrations": len(people),
            "names": len(result.participants),
            "people_matched": kinds[VcParticipantKind.PERSON],
            "rooms": kinds[VcParticipantKind.ROOM],
            "unmatched": kinds[VcParticipantKind.UNMATCHED],
            "csv_read_s": read_median,
            "read_report_s": parse_median,
            "import_s": import_median,
            "same_file_again_s": again_median,
            "ratio_import_to_csv": import_median / read_median,
        }
    )
    return (
        "| what | median (s) | runs |\n| --- | ---: | --- |\n"
        f"| baseline: the csv module alone reads the {ROWS:,}-row report | {read_median:.3f} | {fmt(read_all)} |\n"
        f"| `read_report`: encoding, platform, headers, times of every row, the session's date | {parse_median:.2f} | {fmt(parse_all)} |\n"
        f"| `import_vc_report`: read, merge reconnects, match {len(result.participants):,} names, store | {import_median:.2f} | {fmt(import_all)} |\n"
        f"| same file again (nothing written) | {again_median:.3f} | {fmt(again_all)} |\n\n"
        f"Names: {kinds[VcParticipantKind.PERSON]:,} people, {kinds[VcParticipantKind.ROOM]} rooms, "
        f"{kinds[VcParticipantKind.UNMATCHED]} not matched. Target: the import under 10 s.\n"
    )


if __name__ == "__main__":
    print(run())
