"""One person's data across the apps, for their rights under the PDPA (docs/PRIVACY.md): a copy of it
(s. 30, as JSON) and its erasure by anonymisation (s. 33, registration.services.anonymise_registration).

Registration holds the person; the apps built on it hold facts about them (a check-in, quiz attempts, a
certificate). Those apps add their part through the two signals below, connected in their
AppConfig.ready(), so this module never imports them (docs/ARCHITECTURE.md: a higher app registers
itself).

- `collect_personal_data.send(sender=Registration, registration=r)`: each receiver returns
  `(section, data)`, `data` made of JSON values (datetimes as ISO 8601 text).
- `anonymise_personal_data.send(sender=Registration, registration_ids=[...], at=datetime)`: each
  receiver blanks what it holds about those people. Sent inside the anonymising transaction, after the
  registration rows are locked: a receiver that fails undoes the whole erasure.
"""

from django.dispatch import Signal
from django.utils import timezone

from registration.models import Registration

collect_personal_data = Signal()
anonymise_personal_data = Signal()

EXPORT_FORMAT = "prachum.personal-data.v1"
# What an erased person's name becomes (the last name becomes the row's id: names stay unique per
# session, as registration_unique_name_phone requires of active registrations).
ANONYMISED_NAME = "ลบข้อมูลแล้ว"


def iso(value):
    """A datetime or date as ISO 8601 text (None stays None)."""
    return value.isoformat() if value is not None else None


def registration_data(registration):
    """The registration's own part of the export: the person's details and their seat."""
    session, venue = registration.session, registration.venue
    return {
        "id": registration.pk,
        "session": {"id": session.pk, "title": session.title, "starts_at": iso(session.starts_at), "ends_at": iso(session.ends_at)},
        "province": {"code": registration.province.code, "name": registration.province.name_th},
        "role": {"code": registration.role.code, "name": registration.role.name_th},
        "venue": {"name": venue.name, "room": venue.room} if venue is not None else None,
        "status": registration.status,
        "prefix": registration.prefix,
        "first_name": registration.first_name,
        "last_name": registration.last_name,
        "position": registration.position,
        "organisation": registration.organisation,
        "village": registration.village,
        "subdistrict": registration.subdistrict,
        "district": registration.district,
        "phone": registration.phone,
        "email": registration.email,
        # Masked even here: the file travels by the personal link, which anyone holding it can open.
        # The office that registered the person shows the full number on request (docs/PRIVACY.md).
        "national_id_masked": registration.masked_national_id,
        "replaces_registration": registration.replaces_id,
        "personal_link_revoked": registration.link_revoked,
        "created_at": iso(registration.created_at),
        "updated_at": iso(registration.updated_at),
        "anonymised_at": iso(registration.anonymised_at),
        "national_id_reveals": [iso(at) for at in registration.national_id_reveals.order_by("revealed_at").values_list("revealed_at", flat=True)],
    }


def personal_data(registration, at=None):
    """Everything Prachum holds about the person behind `registration`, as a JSON-ready dict.

    `registration` comes with its session, province, role and venue (select_related) or loads them."""
    data = {"format": EXPORT_FORMAT, "exported_at": iso(at or timezone.now()), "registration": registration_data(registration)}
    for _receiver, (section, part) in collect_personal_data.send(sender=Registration, registration=registration):
        data[section] = part
    return data
