"""Thai dictionary order for the names people read in lists: provinces, people, venues.

Databases and Python compare Thai by code point, which puts every name that starts with a vowel
written before its consonant (เ แ โ ใ ไ) after all the others: เชียงใหม่ and แพร่ after
อุบลราชธานี. The Thai dictionary reads such a vowel after its consonant and lets tone marks only
break ties, so เชียงราย, เชียงใหม่, แพร่ and แม่ฮ่องสอน fall among the ช, พ and ม names.

The order comes from PyThaiNLP's collation (`pythainlp.util.collate`), which agrees with ICU's
Thai collation on all 77 province names (meetings/tests/test_collation.py). Latin text (the English
names) compares without regard to case. PyThaiNLP sorts plain strings, so a list of objects is
ordered through ranks: every distinct text's place in the sorted list of all of them.

Sorting happens in Python, after the query: the lists are small (77 provinces, a session's
venues, a few thousand people) and no database orders Thai this way on every deployment.
"""

from django import forms
from django.forms.models import ModelChoiceIterator
from pythainlp.util import collate


def _fold(text):
    return str(text or "").strip().casefold()


def thai_ranks(texts):
    """{text: rank} for every distinct text, rank 0 first in Thai dictionary order.

    Texts equal but for case or surrounding spaces share a rank; break such ties with another key."""
    folded = {text: _fold(text) for text in set(texts)}
    order = {value: rank for rank, value in enumerate(collate(set(folded.values())))}
    return {text: order[value] for text, value in folded.items()}


def sorted_thai(items, key=str):
    """`items` as a list, ordered by the text `key(item)` in Thai dictionary order (stable)."""
    items = list(items)
    texts = [key(item) for item in items]
    ranks = thai_ranks(texts)
    return [item for _rank, _index, item in sorted((ranks[text], index, item) for index, (text, item) in enumerate(zip(texts, items, strict=True)))]


def province_name(province):
    """A province's name in the active language (Province.name); the key provinces are sorted by."""
    return province.name


def sorted_provinces(provinces):
    """Provinces in the order of their names in the active language: Thai dictionary order in Thai,
    A to Z in English."""
    return sorted_thai(provinces, key=province_name)


def sorted_venues(venues):
    """Venues (province loaded) as every list shows them: the host venue first, then the remote
    venues by the name of their province."""
    venues = list(venues)
    ranks = thai_ranks(v.province.name for v in venues)
    return sorted(venues, key=lambda v: (not v.is_host, ranks[v.province.name], v.pk))


class ThaiOrderChoiceIterator(ModelChoiceIterator):
    """The field's choices in the field's order (ThaiOrderModelChoiceField.order_choices), not the queryset's."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from (self.choice(obj) for obj in self.field.order_choices(self.queryset))


class ThaiOrderModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose options read in Thai dictionary order of their labels (a province
    select lists กระบี่ … อุบลราชธานี, with เชียงใหม่ among the ช names), or in the order that
    `order` (a function from the objects to a sorted list, such as sorted_venues) gives."""

    iterator = ThaiOrderChoiceIterator

    def __init__(self, queryset, *, order=None, **kwargs):
        super().__init__(queryset, **kwargs)
        self.order = order

    def order_choices(self, objects):
        return self.order(objects) if self.order is not None else sorted_thai(objects, key=self.label_from_instance)
