"""Each name of a report to a registration of the session, or to a venue's meeting room, rule by rule.

A name's rows (its reconnects) are one participant (`group_rows`). Its match, the first rule that decides:

0. a staff member's decision on the same name (and e-mail) in the report this one replaces;
1. **code**: a valid registration code in the name (attendance.vc.codes), of a registration of the session;
2. **room**, when the name names a venue or an office and nothing else in it is a registered person's
   name: "สนง.พช.จ.ลำปาง", "ห้องประชุม พช.ลำปาง" are Lampang's room (a person who adds their office to
   their name, "สมศรี มีสุข สนง.พช.ลำปาง", stays a person). This comes before e-mail because a room's
   computer is often signed in with an officer's own account;
3. **e-mail**, then **phone** (a Thai mobile number in the name), each only when exactly one registration
   has it;
4. **name**, exact: the name without prefixes, spaces and invisible characters equals one registration's
   first and last name; when the name names a province, only that province's registrations count, and two
   people of the same name are left for staff;
5. **name**, fuzzy (rapidfuzz's ratio over the same keys): the best registration scores at least
   FUZZY_ACCEPT and leads the next one by FUZZY_MARGIN; never across provinces when the name names one.

Anything else is left unmatched, with up to three suggested registrations for staff.
"""

from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from attendance.models import VcMatchRule, VcParticipant, VcParticipantKind
from attendance.vc import intervals as interval_math
from attendance.vc.names import ProvinceNames, key, name_candidates, normalise, read_name, registration_key
from meetings.models import Province, Venue
from registration.models import Registration

FUZZY_ACCEPT = 88  # rapidfuzz ratio (0–100) a name must reach to be taken without staff
FUZZY_MARGIN = 6  # and its lead over the next registration
SUGGEST_MIN = 60  # suggestions shown to staff score at least this
SUGGESTIONS = 3
# How sure each rule is (shown on the review page; a fuzzy match gives its own score).
CONFIDENCE = {
    VcMatchRule.STAFF: 100,
    VcMatchRule.CODE: 100,
    VcMatchRule.EMAIL: 95,
    VcMatchRule.PHONE: 90,
    VcMatchRule.ROOM: 90,
    VcMatchRule.NAME: 90,
}


def group_rows(rows):
    """Unsaved VcParticipants, one per name (and original name and e-mail) in the report, their connections merged."""
    groups = {}
    spans = defaultdict(list)
    for row in rows:
        group_key = (row.name, row.original_name, row.email.casefold())
        participant = groups.get(group_key)
        if participant is None:
            participant = groups[group_key] = VcParticipant(
                display_name=row.name, original_name=row.original_name, email=row.email, guest=row.guest, first_row=row.number
            )
        participant.connections += 1
        participant.guest = participant.guest or row.guest
        spans[group_key].append((row.joined.timestamp(), row.left.timestamp()))
    for group_key, participant in groups.items():
        participant.intervals = interval_math.merge(spans[group_key])
    return list(groups.values())


@dataclass
class _Person:
    pk: int
    province_id: int
    key: str


class Directory:
    """The session's active registrations and venues, indexed for the rules."""

    def __init__(self, session):
        self.people = {}
        self.by_email = defaultdict(set)
        self.by_phone = defaultdict(set)
        self.by_key = defaultdict(set)
        self.keys_by_province = defaultdict(dict)
        self.keys = {}
        rows = Registration.objects.active().filter(session=session).values_list("pk", "first_name", "last_name", "email", "phone", "province_id")
        for pk, first_name, last_name, email, phone, province_id in rows:
            person = _Person(pk, province_id, registration_key(first_name, last_name))
            self.people[pk] = person
            if email:
                self.by_email[email.strip().casefold()].add(pk)
            if phone:
                self.by_phone[phone].add(pk)
            if person.key:
                self.by_key[person.key].add(pk)
                self.keys_by_province[province_id][pk] = person.key
                self.keys[pk] = person.key
        self.provinces = ProvinceNames(Province.objects.all())
        self.room_by_province = {}
        self.venue_keys = []
        for venue in Venue.objects.filter(session=session).order_by("-is_host", "pk"):
            if not venue.is_host or venue.province_id not in self.room_by_province:
                self.room_by_province[venue.province_id] = venue.pk
            for text in (venue.name + venue.room, venue.room if venue.is_host else ""):
                venue_key = key(normalise(text))
                if len(venue_key) >= 8:
                    self.venue_keys.append((venue_key, venue.pk))

    def choices(self, provinces):
        if not provinces:
            return self.keys
        if len(provinces) == 1:
            return self.keys_by_province.get(next(iter(provinces)), {})
        return {pk: k for province in provinces for pk, k in self.keys_by_province.get(province, {}).items()}


@dataclass
class Match:
    kind: str
    rule: str = VcMatchRule.NONE
    registration_id: int | None = None
    venue_id: int | None = None
    confidence: int = 0
    suggestions: tuple = ()


def _only(pks):
    return next(iter(pks)) if len(pks) == 1 else None


def _in_provinces(directory, pks, provinces):
    return {pk for pk in pks if not provinces or directory.people[pk].province_id in provinces}


def _by_name(directory, reading):
    """(Match or None, suggestions) from the name rules: exact, then fuzzy."""
    candidates = name_candidates(reading.name_words)
    exact = set()
    for candidate in candidates:
        exact |= directory.by_key.get(candidate, set())
    exact = _in_provinces(directory, exact, reading.provinces)
    if len(exact) == 1:
        return Match(VcParticipantKind.PERSON, VcMatchRule.NAME, registration_id=_only(exact), confidence=CONFIDENCE[VcMatchRule.NAME]), ()
    if len(exact) > 1:
        return None, tuple(sorted(exact))[:SUGGESTIONS]  # namesakes: staff decide
    choices = directory.choices(reading.provinces)
    if not choices:
        return None, ()
    best = {}
    # Runs of one or two words: a name is a first and a last name, written apart or together.
    for candidate in name_candidates(reading.name_words, widths=(1, 2), limit=5):
        for _choice, score, pk in process.extract(candidate, choices, scorer=fuzz.ratio, limit=SUGGESTIONS, score_cutoff=SUGGEST_MIN):
            if score > best.get(pk, 0):
                best[pk] = score
    ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
    if not ranked:
        return None, ()
    top_pk, top_score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    if top_score >= FUZZY_ACCEPT and top_score - runner_up >= FUZZY_MARGIN:
        return Match(VcParticipantKind.PERSON, VcMatchRule.NAME_FUZZY, registration_id=top_pk, confidence=min(89, round(top_score) - 5)), ()
    return None, tuple(pk for pk, _score in ranked[:SUGGESTIONS])


def _room(directory, reading):
    """The venue a name that names a venue or an office is the room of, or None."""
    if not reading.room_words:
        return None
    if len(reading.provinces) == 1:
        venue = directory.room_by_province.get(next(iter(reading.provinces)))
        if venue:
            return venue
    text_key = key(reading.text)
    venues = {pk for venue_key, pk in directory.venue_keys if venue_key in text_key}
    return _only(venues)


def match_one(directory, participant, override=None):
    """The Match of one participant (an unsaved or saved VcParticipant)."""
    if override is not None:
        return override
    reading = read_name(participant.display_name, participant.original_name, provinces=directory.provinces)
    codes = {pk for pk in reading.codes if pk in directory.people}
    if len(codes) == 1:
        return Match(VcParticipantKind.PERSON, VcMatchRule.CODE, registration_id=_only(codes), confidence=CONFIDENCE[VcMatchRule.CODE])
    room = _room(directory, reading)
    by_name = None
    if room:
        by_name = _by_name(directory, reading)
        if by_name[0] is None:
            return Match(VcParticipantKind.ROOM, VcMatchRule.ROOM, venue_id=room, confidence=CONFIDENCE[VcMatchRule.ROOM])
    emails = {e.strip().casefold() for e in (participant.email, *reading.emails) if e}
    by_email = set().union(*(directory.by_email.get(e, set()) for e in emails)) if emails else set()
    if len(by_email) == 1:
        return Match(VcParticipantKind.PERSON, VcMatchRule.EMAIL, registration_id=_only(by_email), confidence=CONFIDENCE[VcMatchRule.EMAIL])
    by_phone = set().union(*(directory.by_phone.get(p, set()) for p in reading.phones)) if reading.phones else set()
    if len(by_phone) == 1:
        return Match(VcParticipantKind.PERSON, VcMatchRule.PHONE, registration_id=_only(by_phone), confidence=CONFIDENCE[VcMatchRule.PHONE])
    name_match, suggestions = by_name or _by_name(directory, reading)
    if name_match is not None:
        return name_match
    if not suggestions and (by_email or by_phone):
        suggestions = tuple(sorted(by_email | by_phone))[:SUGGESTIONS]
    return Match(VcParticipantKind.UNMATCHED, suggestions=suggestions)


def override_key(participant):
    return (participant.display_name, participant.original_name, participant.email.casefold())


def staff_overrides(reports):
    """{override_key: Match} of the names staff matched by hand in `reports` (the reports a new one replaces)."""
    found = {}
    rows = VcParticipant.objects.filter(report__in=reports, rule=VcMatchRule.STAFF).order_by("confirmed_at", "pk")
    for participant in rows:
        found[override_key(participant)] = Match(
            participant.kind,
            VcMatchRule.STAFF,
            registration_id=participant.registration_id,
            venue_id=participant.venue_id,
            confidence=CONFIDENCE[VcMatchRule.STAFF],
        )
    return found


def apply(participant, match):
    participant.kind = match.kind
    participant.rule = match.rule
    participant.registration_id = match.registration_id
    participant.venue_id = match.venue_id
    participant.confidence = match.confidence
    participant.suggestions = list(match.suggestions)


def match_participants(session, participants, *, overrides=None, directory=None):
    """Match every participant (unsaved VcParticipants) in place; returns the Directory used."""
    directory = directory or Directory(session)
    overrides = overrides or {}
    for participant in participants:
        override = overrides.get(override_key(participant))
        if override is not None and override.registration_id and override.registration_id not in directory.people:
            override = None  # the registration was cancelled since
        apply(participant, match_one(directory, participant, override))
    return directory
