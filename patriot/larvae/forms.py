"""The jumantik's inspection form: counts as steppers (number inputs underneath, so it works without scripts)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from patriot.core import clock
from patriot.geo.models import Village
from patriot.larvae.choices import (
    BuildingKindChoices,
    ContainerGroupChoices,
    ContainerPlaceChoices,
    ContainerTypeChoices,
    PsnActionChoices,
)
from patriot.larvae.indices import Period
from patriot.larvae.models import Inspection
from patriot.larvae.scope import Scope
from patriot.larvae.services import ContainerEntry, InspectionSubmission

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def count_field(label: StrOrPromise) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=999,
        initial=0,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "stepper-input"}),
    )


def field_name(container_type: str, place: str, count: str) -> str:
    return f"c_{container_type}_{place}_{count}"


@dataclass(frozen=True)
class ContainerRow:
    """One container type on the form: its label and, per place, the inspected and positive fields."""

    label: str
    places: list[tuple[str, forms.BoundField, forms.BoundField]]


class InspectionForm(forms.Form):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    # The phone's clock at the moment of the inspection, set by the page's script; without it, the server's time.
    inspected_at = forms.CharField(widget=forms.HiddenInput, required=False)
    building_kind = forms.ChoiceField(
        label=_("Jenis bangunan"),
        choices=BuildingKindChoices.choices(),
        initial=BuildingKindChoices.HOUSE,
        widget=forms.RadioSelect,
    )
    rw = forms.IntegerField(
        label=_("RW"), min_value=1, max_value=999, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    rt = forms.IntegerField(
        label=_("RT"), min_value=1, max_value=999, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    address = forms.CharField(
        label=_("Alamat"), max_length=300, widget=forms.TextInput(attrs={"autocomplete": "street-address"})
    )
    latitude = forms.FloatField(
        label=_("Lintang"), min_value=-90, max_value=90, widget=forms.NumberInput(attrs={"step": "any"})
    )
    longitude = forms.FloatField(
        label=_("Bujur"), min_value=-180, max_value=180, widget=forms.NumberInput(attrs={"step": "any"})
    )
    residents = forms.IntegerField(
        label=_("Jumlah penghuni (boleh kosong)"),
        min_value=0,
        max_value=500,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "stepper-input"}),
    )
    fever_past_week = forms.BooleanField(label=_("Ada penghuni yang demam dalam seminggu terakhir"), required=False)
    actions = forms.MultipleChoiceField(
        label=_("Tindakan PSN 3M Plus yang dilakukan"),
        choices=PsnActionChoices.choices(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    photo = forms.FileField(
        label=_("Foto (boleh kosong)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for container_type in ContainerTypeChoices.values():
            for place in ContainerPlaceChoices.values():
                self.fields[field_name(container_type, place, "inspected")] = count_field(_("Diperiksa"))
                self.fields[field_name(container_type, place, "positive")] = count_field(_("Ada jentik"))
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)

    def container_groups(self) -> list[tuple[str, str, list[ContainerRow]]]:
        """(group, label, rows) in the form's order; the water-storage group opens first."""
        groups = []
        for group, group_label, _colour in ContainerGroupChoices.CHOICES:
            rows = [
                ContainerRow(
                    label=str(label),
                    places=[
                        (
                            str(place_label),
                            self[field_name(value, place, "inspected")],
                            self[field_name(value, place, "positive")],
                        )
                        for place, place_label, _c in ContainerPlaceChoices.CHOICES
                    ],
                )
                for value, label, _c in ContainerTypeChoices.CHOICES
                if ContainerTypeChoices.GROUP[value] == group
            ]
            groups.append((group, str(group_label), rows))
        return groups

    def clean_inspected_at(self) -> datetime:
        moment = parse_datetime(self.cleaned_data.get("inspected_at") or "")
        if moment is None or moment.tzinfo is None:
            return clock.now()
        return moment

    def submission(self) -> InspectionSubmission:
        data = self.cleaned_data
        containers = [
            ContainerEntry(
                container_type,
                place,
                data.get(field_name(container_type, place, "inspected")) or 0,
                data.get(field_name(container_type, place, "positive")) or 0,
            )
            for container_type in ContainerTypeChoices.values()
            for place in ContainerPlaceChoices.values()
        ]
        return InspectionSubmission(
            building_kind=data["building_kind"],
            address=data["address"],
            rw=data["rw"],
            rt=data["rt"],
            latitude=data["latitude"],
            longitude=data["longitude"],
            inspected_at=data["inspected_at"],
            containers=containers,
            actions=list(data.get("actions") or []),
            residents=data.get("residents"),
            fever_past_week=bool(data.get("fever_past_week")),
            idempotency_key=data["idempotency_key"],
        )

    def add_domain_error(self, field: str | None, message: str) -> None:
        """A service's refusal next to the field it names; container and location errors go to the summary."""
        if field == "location":
            self.add_error("latitude", message)
        elif field in self.fields and field != "idempotency_key":
            self.add_error(field, message)
        else:
            self.add_error(None, message)


class WeekForm(forms.Form):
    """`?minggu=2026-W49` (ISO week, as opscentre's weekly summary takes it); without one, the current week."""

    minggu = forms.CharField(label=_("Minggu"), required=False, widget=forms.TextInput(attrs={"type": "week"}))

    def clean_minggu(self) -> Period:
        value = (self.cleaned_data.get("minggu") or "").strip()
        if not value:
            return Period.week_of(clock.now())
        try:
            year, week, _weekday = datetime.strptime(value + "-1", "%G-W%V-%u").isocalendar()
        except ValueError as error:
            raise forms.ValidationError(_("Pilih minggu dalam format 2026-W47.")) from error
        return Period.iso_week(year, week)

    def period(self) -> Period:
        period: Period = self.cleaned_data["minggu"] if self.is_valid() else Period.week_of(clock.now())
        return period


class InspectionFilterForm(WeekForm):
    """The supervisor's list: a week, and optionally an RW and RT, or the inspections a finding names (`?id=`)."""

    rw = forms.IntegerField(label=_("RW"), min_value=1, max_value=999, required=False)
    rt = forms.IntegerField(label=_("RT"), min_value=1, max_value=999, required=False)
    kelurahan = forms.CharField(label=_("Kode kelurahan"), required=False, max_length=20)
    id = forms.TypedMultipleChoiceField(required=False, coerce=int, widget=forms.MultipleHiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any whole numbers: the scope decides which of them the supervisor may see.
        self.fields["id"].valid_value = lambda value: str(value).isdigit()  # type: ignore[attr-defined]

    def filter(self, inspections: QuerySet[Inspection]) -> QuerySet[Inspection]:
        data = self.cleaned_data
        if data.get("id"):
            return inspections.filter(pk__in=data["id"])
        period: Period = data["minggu"]
        inspections = inspections.filter(inspected_at__gte=period.start, inspected_at__lt=period.end)
        if data.get("kelurahan"):
            inspections = inspections.filter(village__code=data["kelurahan"])
        if data.get("rw"):
            inspections = inspections.filter(rw=data["rw"])
        if data.get("rt"):
            inspections = inspections.filter(rt=data["rt"])
        return inspections


class RtTargetForm(forms.Form):
    """One RT's weekly house target; the kelurahan is one of the supervisor's area."""

    village = forms.ModelChoiceField(label=_("Kelurahan"), queryset=Village.objects.none())
    rw = forms.IntegerField(
        label=_("RW"), min_value=1, max_value=999, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    rt = forms.IntegerField(
        label=_("RT"), min_value=1, max_value=999, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    houses = forms.IntegerField(
        label=_("Target rumah per minggu"),
        min_value=1,
        max_value=1000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        villages = Village.objects.select_related("district").order_by("district__name", "name")
        if not scope.city:
            villages = villages.filter(
                **({"district_id": scope.district_id} if scope.district_id else {}),
                **({"pk": scope.village_id} if scope.village_id else {}),
            )
        field = self.fields["village"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = villages
        if scope.village_id:
            field.initial = scope.village_id
        if scope.rw:
            self.fields["rw"].initial = scope.rw

    def target_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"village": data["village"], "rw": data["rw"], "rt": data["rt"], "houses": data["houses"]}
