from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Region(models.TextChoices):
    # The six geographical regions of the National Geographical Committee (1977).
    NORTH = "north", _("Northern")
    NORTHEAST = "northeast", _("Northeastern")
    CENTRAL = "central", _("Central")
    EAST = "east", _("Eastern")
    WEST = "west", _("Western")
    SOUTH = "south", _("Southern")


class ProvinceQuerySet(models.QuerySet):
    """No order by name here: SQL compares Thai by code point. Lists sort their provinces with
    meetings.collation.sorted_provinces (Thai dictionary order)."""


class Province(models.Model):
    """One of Thailand's 77 provinces (76 changwat plus Bangkok), keyed by ISO 3166-2:TH."""

    code = models.CharField(_("ISO 3166-2 code"), max_length=5, unique=True)
    name_th = models.CharField(_("Thai name"), max_length=64, unique=True)
    name_en = models.CharField(_("English name"), max_length=64, unique=True)
    region = models.CharField(_("region"), max_length=16, choices=Region.choices)

    objects = ProvinceQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self):
        return self.name

    @property
    def name(self):
        return self.name_en if (get_language() or "th").startswith("en") else self.name_th
