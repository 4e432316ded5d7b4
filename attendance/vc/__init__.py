"""Video-conference attendance: a platform's participants report (Zoom, Webex, Microsoft Teams) read,
matched to the session's registrations and venues, and combined with QR check-in.

- `codes`: the short code a person puts in their name in the meeting ("P104273 สมศรี มีสุข");
- `times`: the platforms' date and time formats;
- `formats`: reading a report (encodings, the platform from its headers, bounds) into rows;
- `names`: what a name in the meeting says (a name, a phone number, a province, a meeting room);
- `matching`: each name to a registration or a venue's room, rule by rule;
- `intervals`: reconnects merged, minutes within the session;
- `services`: the writes (import, confirm, discard, a staff member's match);
- `outcomes`: one person's attendance from both sources, for every other part to call;
- `reports`: per province and per venue.
"""
