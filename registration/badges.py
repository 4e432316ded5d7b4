"""Badges and the registration list as PDFs: what a page of them holds, for one province (made in the
request, registration/views.py) or the whole session (a background job, registration/jobs.py)."""

from django.template.loader import render_to_string

from meetings.qr import qr_print_data_uris

BADGES_TEMPLATE = "registration/badges_pdf.html"
LIST_TEMPLATE = "registration/list_pdf.html"
BADGES_PER_SHEET = 8  # two across, four down, on A4


def by_province(registrations):
    """[{"province": ..., "people": [...]}] for registrations already in list order (province first)."""
    groups = []
    for registration in registrations:
        if not groups or groups[-1]["province"].pk != registration.province_id:
            groups.append({"province": registration.province, "people": []})
        groups[-1]["people"].append(registration)
    return groups


def with_sheets(groups):
    """Add each group's sheets of badges: lists of up to eight slots, each a registration, its place on the
    sheet and its check-in ticket's QR code (a photo of a badge checks its holder in, and opens nothing else).
    The QR codes come from the cache when they were made before (meetings/qr.py)."""
    tickets = {registration.pk: registration.get_ticket() for group in groups for registration in group["people"]}
    uris = qr_print_data_uris(tickets.values())
    for group in groups:
        people = group["people"]
        group["pages"] = [
            [{"registration": r, "slot": slot, "qr_uri": uris[tickets[r.pk]]} for slot, r in enumerate(people[start : start + BADGES_PER_SHEET])]
            for start in range(0, len(people), BADGES_PER_SHEET)
        ]
    return groups


def badge_context(session, registrations):
    return {"session": session, "groups": with_sheets(by_province(registrations))}


def badges_html(session, groups):
    """The badge sheets of `groups` (from by_province) as one HTML document."""
    return render_to_string(BADGES_TEMPLATE, {"session": session, "groups": with_sheets(groups)})


def list_html(session, groups):
    return render_to_string(LIST_TEMPLATE, {"session": session, "groups": groups})
