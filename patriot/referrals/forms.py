"""The forms of the hospital's phone page: one tap (+/−) and a bed type's full figures."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from patriot.referrals.choices import BedTypeChoices
from patriot.referrals.services import TAP_FIELDS, BedFigures


class TapForm(forms.Form):
    bed_type = forms.ChoiceField(choices=BedTypeChoices.choices())
    field = forms.ChoiceField(choices=[(name, name) for name in TAP_FIELDS])
    delta = forms.TypedChoiceField(choices=[("1", "+1"), ("-1", "−1")], coerce=int)


class BedsForm(forms.Form):
    bed_type = forms.ChoiceField(label=_("Jenis tempat tidur"), choices=BedTypeChoices.choices())
    room = forms.CharField(label=_("Ruang"), max_length=100, required=False)
    total = forms.IntegerField(label=_("Jumlah"), min_value=0, max_value=10000)
    occupied = forms.IntegerField(label=_("Terpakai"), min_value=0, max_value=10000, initial=0)
    reserved = forms.IntegerField(label=_("Disiapkan"), min_value=0, max_value=10000, initial=0)
    queue = forms.IntegerField(label=_("Antrean"), min_value=0, max_value=10000, initial=0)

    def figures(self) -> BedFigures:
        data = self.cleaned_data
        return BedFigures(data["total"], data["occupied"], data["reserved"], data["queue"])
