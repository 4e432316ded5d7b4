"""Who may see what. Central staff see everything; a provincial office sees its own province.

Lookups for another province's objects answer 404 (not 403), so an officer cannot
even learn that an id exists elsewhere.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from meetings.models import UserKind

CENTRAL_GROUP = "central_staff"
PROVINCIAL_GROUP = "provincial_officer"


def _profile(user):
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.profile
    except Exception:  # RelatedObjectDoesNotExist: a login without a profile is nobody's officer
        return None


def is_central(user):
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    profile = _profile(user)
    return profile is not None and profile.kind == UserKind.CENTRAL


def user_province(user):
    """The province a provincial officer is bound to, or None."""
    profile = _profile(user)
    if profile is not None and profile.kind == UserKind.PROVINCIAL:
        return profile.province
    return None


def is_staff_member(user):
    return is_central(user) or user_province(user) is not None


def scope_to_user(queryset, user, province_field="province"):
    """Restrict a queryset to what the user may see (nothing for anonymous or unbound users)."""
    if is_central(user):
        return queryset
    province = user_province(user)
    if province is None:
        return queryset.none()
    return queryset.filter(**{province_field: province})


def central_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not is_central(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def staff_required(view):
    """Central staff or a provincial officer bound to a province."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not is_staff_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
