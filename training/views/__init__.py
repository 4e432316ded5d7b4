"""Training pages: attendee pages behind the personal link, staff authoring, results and certificates."""
