"""Forms of the citizens' pages: the POT/SOROT report, tracking by number, the reporter's answers and the map filters."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, time
from typing import Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from patriot.accounts.models import User
from patriot.cases.choices import CaseStateChoices, CategoryGroupChoices, ChannelChoices
from patriot.cases.held_photos import HeldPhoto
from patriot.cases.models import Category
from patriot.cases.photos import MAX_PHOTO_BYTES, MAX_PHOTOS_PER_CASE
from patriot.cases.services import MAX_DESCRIPTION_LENGTH, MAX_NOTE_LENGTH, CaseSubmission
from patriot.cases.sla import city_zone
from patriot.core.errors import DomainError
from patriot.core.phones import MAX_INPUT_LENGTH as MAX_PHONE_INPUT_LENGTH
from patriot.core.phones import normalise_phone
from patriot.geo.lookup import LocationError, locate
from patriot.geo.models import District, Village

ACCEPTED_PHOTO_TYPES = "image/jpeg,image/png,image/webp"
ATTRIBUTE_PREFIX = "atribut_"


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to five photos from one <input type=file multiple>; their content is checked by the services."""

    widget = MultiplePhotoInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {
                "accept": ACCEPTED_PHOTO_TYPES,
                "capture": "environment",
                "multiple": True,
                "data-max-files": MAX_PHOTOS_PER_CASE,
                "data-max-bytes": MAX_PHOTO_BYTES,
            }
        )

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if len(files) > MAX_PHOTOS_PER_CASE:
            raise forms.ValidationError(
                _("Paling banyak %(limit)d foto per laporan.") % {"limit": MAX_PHOTOS_PER_CASE}, code="too_many_photos"
            )
        for upload in files:
            if upload.size and upload.size > MAX_PHOTO_BYTES:
                raise forms.ValidationError(
                    _("Foto %(name)s lebih besar dari 10 MB.") % {"name": upload.name}, code="photo_too_large"
                )
        if self.required and not files:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return files


def _english() -> bool:
    return (get_language() or "id").startswith("en")


def grouped_categories() -> list[tuple[str, str, list[Category]]]:
    """Active categories by CategoryGroupChoices (code, label, categories), in the ChoiceSet's group order."""
    by_group: dict[str, list[Category]] = {}
    for category in Category.objects.filter(is_active=True):
        by_group.setdefault(category.group, []).append(category)
    return [
        (group, str(CategoryGroupChoices.label(group)), sorted(by_group[group], key=lambda c: c.label.lower()))
        for group in CategoryGroupChoices.values()
        if group in by_group
    ]


def category_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    return [(label, [(c.code, c.label) for c in categories]) for _group, label, categories in grouped_categories()]


def village_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Kelurahan grouped by kecamatan, for the report form without a map."""
    grouped: dict[str, list[tuple[str, str]]] = {}
    for code, name, district in Village.objects.order_by("district__name", "name").values_list(
        "code", "name", "district__name"
    ):
        grouped.setdefault(district, []).append((code, name))
    return list(grouped.items())


def attribute_fields(category: Category) -> dict[str, forms.Field]:
    """One form field per custom attribute of the category (Category.attributes), named atribut_<code>."""
    english = _english()
    fields: dict[str, forms.Field] = {}
    for definition in category.attributes:
        label = (definition.get("label_en") if english else None) or definition.get("label") or definition["code"]
        unit = definition.get("unit")
        if unit:
            label = f"{label} ({unit})"
        common: dict[str, Any] = {"label": label, "required": bool(definition.get("required"))}
        datatype = definition.get("datatype", "string")
        choices = [
            (str(value["key"]), (value.get("name_en") if english else None) or value.get("name") or value["key"])
            for value in definition.get("values", [])
        ]
        field: forms.Field
        if datatype == "number":
            field = forms.DecimalField(min_value=0, max_value=1_000_000_000, **common)
            field.widget.attrs.update({"inputmode": "decimal", "step": "any"})
        elif datatype == "text":
            field = forms.CharField(max_length=1000, widget=forms.Textarea(attrs={"rows": 3}), **common)
        elif datatype == "singlevaluelist":
            field = forms.ChoiceField(choices=[("", _("— pilih —")), *choices], **common)
        elif datatype == "multivaluelist":
            field = forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
        elif datatype == "datetime":
            field = forms.DateTimeField(
                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                **common,
            )
        else:
            field = forms.CharField(max_length=1000, **common)
        fields[ATTRIBUTE_PREFIX + definition["code"]] = field
    return fields


class ReportForm(forms.Form):
    """The POT report form. The services check the same rules again; this form keeps what the citizen typed."""

    category = forms.ChoiceField(label=_("Kategori"), choices=())
    description = forms.CharField(
        label=_("Apa yang terjadi?"),
        max_length=MAX_DESCRIPTION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Jelaskan masalahnya: apa, sejak kapan, seberapa parah."),
    )
    latitude = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-180, max_value=180)
    # Without the map (no JavaScript, or the map would not load): the kelurahan, placed at its centre.
    village = forms.ChoiceField(
        label=_("Kelurahan (bila tidak menandai peta)"),
        required=False,
        choices=(),
        help_text=_("Tanpa titik di peta, laporan ditempatkan di tengah kelurahan; tulis patokan tempatnya di bawah."),
    )
    address = forms.CharField(
        label=_("Alamat atau patokan"),
        max_length=300,
        required=False,
        help_text=_("Contoh: Jl. Ir. H. Juanda depan SDN Margahayu 1."),
    )
    # What the citizen typed in the place search above the map: not stored, only shown again after a refused submit.
    place_query = forms.CharField(label=_("Cari jalan atau tempat"), max_length=200, required=False)
    photos = PhotosField(label=_("Foto (paling banyak 5)"))
    reporter_name = forms.CharField(label=_("Nama"), max_length=120, required=False)
    # Read and stored as E.164 by services.create_case (patriot.core.phones), whose refusal shows next to this field.
    reporter_phone = forms.CharField(
        label=_("Nomor HP"),
        max_length=MAX_PHONE_INPUT_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    reporter_email = forms.EmailField(
        label=_("Email"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    is_anonymous = forms.BooleanField(label=_("Sembunyikan identitas saya (anonim)"), required=False)
    is_confidential = forms.BooleanField(label=_("Jangan tampilkan laporan ini ke publik (rahasia)"), required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    # Photos of an earlier, refused submit of this form, held server-side (cases/held_photos.py).
    held_photos = forms.CharField(widget=forms.HiddenInput, required=False, max_length=4000)
    drop_held_photos = forms.BooleanField(label=_("Buang foto yang tersimpan"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.category_groups = grouped_categories()
        cast(forms.ChoiceField, self.fields["category"]).choices = [
            (label, [(c.code, c.label) for c in categories]) for _group, label, categories in self.category_groups
        ]
        self.fields["reporter_name"].widget.attrs["autocomplete"] = "name"
        cast(forms.ChoiceField, self.fields["village"]).choices = [("", _("— pilih kelurahan —")), *village_choices()]
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)
        self.held: list[HeldPhoto] = []  # photos kept from a refused submit (set by the view)
        self.category = self._chosen_category()  # type: ignore[assignment]  # the form's metaclass moved the declared `category` field to base_fields: this is the chosen Category
        if self.category is not None:
            self.fields.update(attribute_fields(self.category))  # type: ignore[arg-type]  # as above

    def _chosen_category(self) -> Category | None:
        code = (self.data.get("category") if self.is_bound else self.initial.get("category")) or ""
        return Category.objects.filter(code=code, is_active=True).first() if code else None

    @property
    def category_is_chosen(self) -> bool:
        return self.category is not None

    @property
    def chosen_category_label(self) -> str:
        """The chosen category's name in the reader's language (the template's `form.category` is the field)."""
        chosen = cast(Category | None, self.category)  # the chosen Category, as in __init__
        return str(chosen.label) if chosen is not None else ""

    @property
    def attribute_field_names(self) -> list[str]:
        return [name for name in self.fields if name.startswith(ATTRIBUTE_PREFIX)]

    @property
    def attribute_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.attribute_field_names]

    def clean_reporter_phone(self) -> str:
        """Checked here too, so a wrong number is listed with every other problem in one answer."""
        phone = self.cleaned_data.get("reporter_phone", "").strip()
        if phone:
            try:
                normalise_phone(phone, field="reporter_phone", label=_("Nomor HP"), allow_foreign=True)
            except DomainError as error:
                raise forms.ValidationError(error.message, code=error.code) from error
        return phone

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        if latitude is None or longitude is None:
            if not cleaned.get("village"):
                self.add_error(
                    None,
                    forms.ValidationError(
                        _("Tandai lokasi di peta, atau pilih kelurahannya dari daftar."), code="location"
                    ),
                )
        else:
            try:
                locate(latitude, longitude)
            except LocationError as error:
                self.add_error(None, forms.ValidationError(error.messages[0], code="location"))
        return cleaned

    def submission(self, *, channel: str = ChannelChoices.POT, reporter: User | None = None) -> CaseSubmission:
        """What the form describes; a signed-in citizen's report names their account (SOROT when verified)."""
        assert self.category is not None
        data = self.cleaned_data
        on_map = data["latitude"] is not None and data["longitude"] is not None
        return CaseSubmission(
            channel=channel,
            reporter=reporter,
            category=self.category,  # type: ignore[arg-type]  # as in __init__
            description=data["description"],
            latitude=data["latitude"] if on_map else 0.0,
            longitude=data["longitude"] if on_map else 0.0,
            village_code="" if on_map else data["village"],
            address=data["address"],
            attributes=self._attribute_values(),
            reporter_name=data["reporter_name"],
            reporter_phone=data["reporter_phone"],
            reporter_email=data["reporter_email"],
            is_anonymous=data["is_anonymous"],
            is_confidential=data["is_confidential"],
        )

    def _attribute_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in self.attribute_field_names:
            value = self.cleaned_data.get(name)
            if value is None or value in ("", []):
                continue
            if isinstance(value, datetime):
                value = timezone.make_aware(value.replace(tzinfo=None), city_zone()).isoformat()
            elif not isinstance(value, (list, str)):
                value = float(value)
            values[name.removeprefix(ATTRIBUTE_PREFIX)] = value
        return values

    def photo_uploads(self) -> list[tuple[str, Any]]:
        return [(upload.name or "", upload) for upload in self.cleaned_data.get("photos", [])]

    def location_error(self) -> list[str]:
        """The location's messages in words (str() of a ValidationError would be a Python list)."""
        if not self.is_bound:
            return []
        return [message for e in self.non_field_errors().as_data() if e.code == "location" for message in e.messages]

    def other_errors(self) -> list[str]:
        return [
            message
            for error in self.non_field_errors().as_data()
            if error.code != "location"
            for message in error.messages
        ]

    def add_domain_error(self, field: str | None, message: str) -> None:
        """Put a service's error next to the field it names (attributes.X → atribut_X, location → the map)."""
        if field and field.startswith("attributes.") and ATTRIBUTE_PREFIX + field.split(".", 1)[1] in self.fields:
            self.add_error(ATTRIBUTE_PREFIX + field.split(".", 1)[1], message)
        elif field == "location":
            self.add_error(None, forms.ValidationError(message, code="location"))
        elif field in self.fields and field not in ("idempotency_key", "latitude", "longitude", "held_photos"):
            self.add_error(field, message)
        else:
            self.add_error(None, message)


class TrackForm(forms.Form):
    number = forms.CharField(
        label=_("Nomor laporan"),
        max_length=24,
        widget=forms.TextInput(
            attrs={
                "placeholder": "BKS-2611-000123",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "autocomplete": "off",
            }
        ),
    )

    def clean_number(self) -> str:
        return self.cleaned_data["number"].strip().upper()


class ConfirmForm(forms.Form):
    note = forms.CharField(
        label=_("Catatan (boleh dikosongkan)"),
        max_length=MAX_NOTE_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DisputeForm(forms.Form):
    reason = forms.CharField(
        label=_("Apa yang belum beres?"), max_length=MAX_NOTE_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Seberapa puas Anda dengan penanganannya?"),
        coerce=int,
        choices=[
            (5, _("5 — sangat puas")),
            (4, _("4 — puas")),
            (3, _("3 — cukup")),
            (2, _("2 — kurang puas")),
            (1, _("1 — tidak puas")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Komentar (boleh dikosongkan)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SupportForm(forms.Form):
    """ "Me too" on an open report: a contact to hear back is optional and kept only with consent."""

    email = forms.EmailField(label=_("Email"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = forms.CharField(
        label=_("Nomor HP"),
        max_length=MAX_PHONE_INPUT_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    consent = forms.BooleanField(
        label=_(
            "Saya setuju kontak ini disimpan untuk mengabarkan perkembangan laporan ini (tidak ditampilkan ke publik)."
        ),
        required=False,
    )

    def __init__(self, *args: Any, citizen: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if citizen is not None:  # a signed-in citizen hears back through their account
            for name in ("email", "phone", "consent"):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned.setdefault("email", "")
        cleaned.setdefault("phone", "")
        cleaned.setdefault("consent", False)
        return cleaned


class CommentForm(forms.Form):
    note = forms.CharField(
        label=_("Informasi tambahan"), max_length=MAX_NOTE_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


class AddPhotosForm(forms.Form):
    photos = PhotosField(label=_("Foto tambahan"), required=True)


class PublicCaseFilterForm(forms.Form):
    """Filters of the public map and list; the same values go to the map's GeoJSON endpoint."""

    category = forms.ChoiceField(label=_("Kategori"), required=False, choices=())
    state = forms.ChoiceField(label=_("Status"), required=False, choices=())
    district = forms.ChoiceField(label=_("Kecamatan"), required=False, choices=())
    since = forms.DateField(label=_("Dari tanggal"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Sampai tanggal"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = ("", _("Semua"))
        cast(forms.ChoiceField, self.fields["category"]).choices = [everything, *category_choices()]
        public_states: Sequence[str] = [
            s for s in CaseStateChoices.values() if s not in (CaseStateChoices.REJECTED, CaseStateChoices.DUPLICATE)
        ]
        cast(forms.ChoiceField, self.fields["state"]).choices = [
            everything,
            *((s, CaseStateChoices.label(s)) for s in public_states),
        ]
        cast(forms.ChoiceField, self.fields["district"]).choices = [
            everything,
            *District.objects.order_by("name").values_list("code", "name"),
        ]

    def filters(self) -> dict[str, Any]:
        """The valid filters (invalid ones are ignored, as a map filter should never break the page)."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}


def day_bounds(since: Any, until: Any) -> tuple[datetime | None, datetime | None]:
    """From the start of `since` to the end of `until`, in the city's time zone."""
    zone = city_zone()
    start = datetime.combine(since, time.min, tzinfo=zone) if since else None
    end = datetime.combine(until, time.max, tzinfo=zone) if until else None
    return start, end
