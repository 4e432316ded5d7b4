from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class UserKind(models.TextChoices):
    CENTRAL = "central", _("Central staff")
    PROVINCIAL = "provincial", _("Provincial office")


class Profile(models.Model):
    """Binds a staff login to its kind and, for provincial offices, to one province."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    kind = models.CharField(_("kind"), max_length=16, choices=UserKind.choices)
    province = models.ForeignKey("meetings.Province", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("province"))
    position = models.CharField(_("position"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="central") | Q(province__isnull=False),
                name="profile_provincial_needs_province",
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_kind_display()})"


class RoleCategory(models.Model):
    """A kind of participant that quotas are counted in (provincial officer, committee member…)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_th = models.CharField(_("Thai name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=120)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("role category")
        verbose_name_plural = _("role categories")

    def __str__(self):
        return self.name

    @property
    def name(self):
        return self.name_en if (get_language() or "th").startswith("en") else self.name_th
