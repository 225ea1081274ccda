"""The kinds of a city's own places (geo.CityPlace), with their labels."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from patriot.core.choices import ChoiceSet


class PlaceKindChoices(ChoiceSet):
    STREET = "street"
    OFFICE = "office"
    STATION = "station"
    MARKET = "market"
    SCHOOL = "school"
    PLACE_OF_WORSHIP = "place_of_worship"
    PARK = "park"
    OTHER = "other"

    CHOICES = [
        (STREET, _("Jalan"), "gray"),
        (OFFICE, _("Kantor"), "blue"),
        (STATION, _("Stasiun/terminal"), "indigo"),
        (MARKET, _("Pasar"), "orange"),
        (SCHOOL, _("Sekolah"), "green"),
        (PLACE_OF_WORSHIP, _("Tempat ibadah"), "purple"),
        (PARK, _("Taman"), "teal"),
        (OTHER, _("Lainnya"), "gray"),
    ]
