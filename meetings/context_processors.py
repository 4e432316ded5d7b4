from meetings.permissions import is_central, user_province


def prachum(request):
    user = getattr(request, "user", None)
    return {
        "user_is_central": is_central(user) if user else False,
        "user_province": user_province(user) if user else None,
    }
