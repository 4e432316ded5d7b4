from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class ProfileModelBackend(ModelBackend):
    """ModelBackend that loads the staff profile and its province with the user.

    Every staff page asks "central or which province?" (meetings.permissions); fetching the
    profile in the same query saves a round trip on each request, check-ins included.
    """

    def get_user(self, user_id):
        User = get_user_model()
        try:
            user = User._default_manager.select_related("profile__province").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
