"""Reads with the permission check built in (get_*_for_user)."""

from django.db.models import Count, IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from meetings.models import ACTIVE_REGISTRATION, AuditEntry, Quota, Session, SessionStatus, Venue
from meetings.permissions import is_central, scope_to_user


def get_sessions_for_user(user):
    """Central staff see drafts too; everyone else sees published, running and closed sessions."""
    sessions = Session.objects.all()
    if not is_central(user):
        sessions = sessions.exclude(status=SessionStatus.DRAFT)
    return sessions


def get_session_for_user(user, pk):
    return get_object_or_404(get_sessions_for_user(user), pk=pk)


def get_venue_for_user(user, session_pk, pk):
    """A venue of a session the user can see; another province's venue answers 404."""
    venues = scope_to_user(Venue.objects.select_related("session", "province"), user)
    venues = venues.filter(session__in=get_sessions_for_user(user))
    return get_object_or_404(venues, session_id=session_pk, pk=pk)


def get_sessions_with_counts(sessions, province=None):
    """Annotate a session queryset with venue, seat and registration counts (subqueries: no row blow-up).

    With ``province``, the counts are that province's only (what a provincial office is responsible for).
    """
    scope = {"province": province} if province is not None else {}
    # The registration app's model, reached through the relation it declares on Session (the
    # model's documented _meta API): meetings does not import the app built on it.
    registration_model = Session._meta.get_field("registrations").related_model

    def count_of(model, **filters):
        return Coalesce(
            Subquery(
                model.objects.filter(session=OuterRef("pk"), **filters).values("session").annotate(n=Count("pk")).values("n"),
                output_field=IntegerField(),
            ),
            0,
        )

    seats = Coalesce(
        Subquery(
            Quota.objects.filter(session=OuterRef("pk"), **scope).values("session").annotate(n=Sum("seats")).values("n"),
            output_field=IntegerField(),
        ),
        0,
    )
    return sessions.annotate(
        venue_count=count_of(Venue, **scope),
        seat_count=seats,
        registered_count=count_of(registration_model, status=ACTIVE_REGISTRATION, **scope),
    )


def get_province_quotas(session, province):
    """One province's quotas in a session with ``used`` (active registrations) on each, in one query."""
    return list(Quota.objects.with_used().filter(session=session, province=province).select_related("role").order_by("role__order"))


def get_audit_entries_for_user(user):
    """Audit entries the user may see: all for central staff, their province's for an officer."""
    return scope_to_user(AuditEntry.objects.all(), user)
