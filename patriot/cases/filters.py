"""The case list filter: one django-filter FilterSet for the staff search page, its CSV exports and GET /api/v1/cases.

The parameter names are the search page's (`created_from`/`created_to` and the rest): saved filters, the dashboard's
drill-down links and bookmarks already carry them. `created_after`/`created_before` (ISO date-times) stay accepted as
deprecated aliases, because API clients were written against them. `api_query_schema()` turns the same filters
into the API's query schema, so the OpenAPI document lists each one with its description.
"""

from __future__ import annotations

import copy
import html
import time as time_
from datetime import date, datetime, time, timedelta
from typing import Any, Literal, cast

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.db.models.functions import Upper
from django.forms.boundfield import BoundField
from django.http import QueryDict
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema
from pydantic import create_model

from patriot.accounts.models import Agency, ResponseTeam, User
from patriot.cases.choices import CaseStateChoices, ChannelChoices, PriorityChoices, SlaStatusChoices
from patriot.cases.models import Case, Category
from patriot.cases.queries import reporter_shown, sort_cases
from patriot.cases.search_sql import LocalHour, phone_part_filter, text_filter
from patriot.core.errors import InvalidInput
from patriot.core.phones import normalise_phone
from patriot.geo.models import District, Village

# What each parameter means, for the OpenAPI document (the page shows the translated labels instead).
DESCRIPTIONS = {
    "number": "Tracking number, exact (any case), e.g. BKS-2611-000123.",
    "phone": "Reporter's phone: a whole number in any writing (0812…, +62 812…) matches exactly, fewer digits match "
    "part of the number. Never finds an anonymous reporter the caller may not see.",
    "text": "Words in the title or the description (case-insensitive).",
    "district": "District (kecamatan) code, e.g. 32.75.01.",
    "village": "Village (kelurahan) code, e.g. 32.75.01.1001.",
    "state": "Workflow state; repeat the parameter for several (any of them matches).",
    "category": "Category code, e.g. jalan-rusak.",
    "agency": "Code of the agency (OPD) the case is with.",
    "team": "Code of the URC team the case is assigned to.",
    "sla_status": "SLA status of the case's current clock.",
    "overdue": "true: open cases past their SLA; false: every other case.",
    "channel": "Channel the report came in through.",
    "hour": "Hour of the day it was reported (0–23, Asia/Jakarta).",
    "created_from": "Reported on or after this day (Asia/Jakarta).",
    "created_to": "Reported on or before this day (Asia/Jakarta).",
    "created_after": "Deprecated alias: reported at or after this moment (ISO 8601); use created_from.",
    "created_before": "Deprecated alias: reported before this moment (ISO 8601); use created_to.",
    "priority": "Priority; repeat the parameter for several (urgent is an emergency).",
    "sort": "Order of the results: priority (emergencies and high priority first, then least time left on the SLA), "
    "due (least time left first), newest (the default) or oldest.",
}
DEPRECATED = {"created_after", "created_before"}

# How far a list filtered by text counts its matches ("lebih dari 1000 laporan"), below the other filters' 10,000
# (core/paging.py COUNT_CAP): a word's matches are found through its trigram index (PostgreSQL) or a LIKE scan
# (SQLite), and each counted match is a row read and checked again; 1,000 is 40 pages of 25.
TEXT_COUNT_CAP = 1_000


def district_field() -> forms.ModelChoiceField:
    """The kecamatan choice, by code; also the dashboard's scope form (opscentre/forms.py) uses these four."""
    return forms.ModelChoiceField(
        label=_("Kecamatan"),
        required=False,
        queryset=District.objects.order_by("name"),
        to_field_name="code",
        empty_label=_("Semua kecamatan"),
    )


def village_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Kelurahan"),
        required=False,
        queryset=Village.objects.select_related("district").defer("boundary").order_by("name"),
        to_field_name="code",
        empty_label=_("Semua kelurahan"),
    )


def category_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("Kategori"),
        required=False,
        queryset=Category.objects.order_by("name"),
        to_field_name="code",
        empty_label=_("Semua kategori"),
    )


def agency_field() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("OPD"),
        required=False,
        queryset=Agency.objects.order_by("short_name"),
        to_field_name="code",
        empty_label=_("Semua OPD"),
    )


def _attrs_html(attrs: dict[str, Any]) -> str:
    """A widget's attributes as django/forms/widgets/attrs.html writes them: in their order, True as a bare name,
    False and None left out (the template writes None as "None"; no widget here has one)."""
    parts = []
    for name, value in attrs.items():
        if value is True:
            parts.append(f" {name}")
        elif value is not False and value is not None:
            parts.append(f' {name}="{conditional_escape(value)}"')
    return "".join(parts)


def _input_html(widget: dict[str, Any]) -> str:
    """<input>, as django/forms/widgets/input.html writes it from a widget's (or a checkbox option's) context."""
    value = "" if widget["value"] is None else f' value="{conditional_escape(widget["value"])}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        f"{value}{_attrs_html(widget['attrs'])}>"
    )


class QuickInputMixin:
    """Django's <input> markup, written in Python instead of two templates per field."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        return mark_safe(_input_html(self.get_context(name, value, attrs)["widget"]))  # type: ignore[attr-defined]  # noqa: S308  # every value escaped


class QuickTextInput(QuickInputMixin, forms.TextInput):
    pass


class QuickDateInput(QuickInputMixin, forms.DateInput):
    pass


def _option_pairs(choices: Any) -> list[tuple[str, str]] | None:
    """(value, label as HTML) of each option, or None when there are groups (then Django's own path)."""
    pairs = []
    for value, label in choices:
        if isinstance(label, (list, tuple)):
            return None
        pairs.append(("" if value is None else str(value), str(conditional_escape(label))))
    return pairs


class QuickSelect(forms.Select):
    """Django's <select> markup, written in Python: its template renders two more templates per option, and
    Widget.optgroups builds a dict per option, which for the search form's ~200 options (kelurahan, categories,
    agencies, teams, hours) took most of the page's time. The options of a reference table are written once per
    process and language while its rows are held (ReferenceChoiceIterator.option_pairs)."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        choices = self.choices
        pairs = choices.option_pairs() if isinstance(choices, ReferenceChoiceIterator) else _option_pairs(choices)
        if pairs is None:
            return super().render(name, value, attrs, renderer)
        chosen = set(self.format_value(value))
        parts = [f'<select name="{conditional_escape(name)}"{_attrs_html(self.build_attrs(self.attrs, attrs))}>']
        selected = False
        for option_value, label in pairs:
            if not selected and option_value in chosen:
                selected = True
                parts.append(f'\n  <option value="{html.escape(option_value)}" selected>{label}</option>\n')
            else:
                parts.append(f'\n  <option value="{html.escape(option_value)}">{label}</option>\n')
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308  # every value and label escaped


# How long a process shows the same kecamatan, kelurahan, category, agency and team options (as cases/catalogue.py).
REFERENCE_CHOICES_TTL_SECONDS = 5.0
# Per queryset: when read, the rows, and per language and field the options as (value, label HTML).
_reference_rows: dict[str, tuple[float, list[Any], dict[tuple[str, Any], list[tuple[str, str]]]]] = {}


def reset_reference_choices(*args: Any, **kwargs: Any) -> None:
    """Forget the held options (also a signal receiver: a kecamatan, kelurahan, category, agency or team saved or
    deleted in this process shows at once here; other processes within the TTL)."""
    _reference_rows.clear()


def _reference_key(queryset: QuerySet[Any]) -> str:
    return f"{queryset.model._meta.label}:{queryset.query}"


class ReferenceChoiceIterator(django_filters.fields.ModelChoiceIterator):
    """The options of a small reference table, read at most every REFERENCE_CHOICES_TTL_SECONDS per process with
    a plain SELECT. ModelChoiceIterator read them on every page through QuerySet.iterator(), a server-side cursor on
    PostgreSQL (DECLARE … WITH HOLD, FETCH, CLOSE): five lists, fifteen round trips for a search page. A new
    kelurahan or category shows in the form within those seconds; what a submitted code means is always looked up
    in the table itself (the field's queryset)."""

    def _held(self) -> tuple[float, list[Any], dict[tuple[str, Any], list[tuple[str, str]]]]:
        key = getattr(self.field, "reference_key", None)
        if key is None:
            key = _reference_key(self.queryset)
            if isinstance(self.field, ReferenceChoiceField):
                self.field.reference_key = key
        held = _reference_rows.get(key)
        now = time_.monotonic()
        if held is None or now - held[0] > REFERENCE_CHOICES_TTL_SECONDS:
            held = _reference_rows[key] = (now, list(self.queryset.all()), {})
        return held

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        for instance in self._held()[1]:
            yield self.choice(instance)

    def option_pairs(self) -> list[tuple[str, str]] | None:
        """The options as QuickSelect writes them, made once per language while the rows are held (a label may be
        translated: Category.label). Keyed by the field's empty and null labels and its to_field_name, which is
        all of the field that choice() reads besides the row."""
        _at, _rows, written = self._held()
        key = (
            get_language() or "",
            (str(self.field.empty_label), str(self.field.null_label), self.field.to_field_name, type(self.field)),
        )
        pairs = written.get(key)
        if pairs is None:
            pairs = _option_pairs(self)
            if pairs is None:
                return None
            written[key] = pairs
        return pairs


class ReferenceChoiceField(django_filters.fields.ModelChoiceField):
    iterator = ReferenceChoiceIterator

    # The held rows' key, the queryset's SQL: compiled once (the form class and its fields are built once per
    # process, CaseFilter.get_form_class) and kept by the copy each form makes, not per page; forgotten when the
    # field is given another queryset.
    reference_key: str | None = None

    def _get_reference_queryset(self) -> Any:
        return self._queryset

    def _set_reference_queryset(self, queryset: Any) -> None:
        super()._set_queryset(queryset)
        self.reference_key = None

    queryset = property(_get_reference_queryset, _set_reference_queryset)

    def __deepcopy__(self, memo: dict[int, Any]) -> ReferenceChoiceField:
        result = super().__deepcopy__(memo)  # its queryset is this one's .all(): the same SQL
        result.reference_key = self.reference_key
        return result


class ReferenceChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = ReferenceChoiceField


def _model_choice(model_queryset: QuerySet[Any], label: Any, empty: Any) -> django_filters.ModelChoiceFilter:
    return ReferenceChoiceFilter(
        label=label, queryset=model_queryset, to_field_name="code", empty_label=empty, widget=QuickSelect
    )


class TrueFalseField(forms.NullBooleanField):
    """true/false (or 1/0), empty for either; anything else is an error rather than silently no filter."""

    def to_python(self, value: Any) -> bool | None:  # type: ignore[override]  # django-stubs types BooleanField.to_python as bool; NullBooleanField returns None for "either"
        if value not in (None, "", True, False, "true", "false", "True", "False", "1", "0"):
            raise forms.ValidationError(_("Pilih true atau false."), code="invalid")
        return super().to_python(value)


class TrueFalseFilter(django_filters.BooleanFilter):
    field_class = TrueFalseField


class QuickBoundField(BoundField):
    """A search form field as django/forms/field.html writes it, in Python when it has no error, help text or
    fieldset (those, and a required or disabled field, still go through Django's templates): the form's fifteen
    field groups rendered four templates each. tests/cases/test_filters.py compares both ways' markup."""

    def _quick(self) -> bool:
        return not (self.errors or self.help_text or self.use_fieldset or self.field.required or self.field.disabled)

    def as_field_group(self) -> SafeString:
        if not self._quick() or not self.label or not self.auto_id:
            return super().as_field_group()
        label = f'<label for="{conditional_escape(self.id_for_label)}">{conditional_escape(self.label)}</label>'
        return mark_safe(f"{label}\n\n\n\n{self.as_widget()}")  # noqa: S308  # escaped above, the widget by itself

    def checkbox_labels(self) -> SafeString:
        """`<label for="…"><input type="checkbox" …> label</label>` per option, as the search page's template loop
        `{% for option in field %}<label for="{{ option.id_for_label }}">{{ option.tag }} {{ option.choice_label }}
        </label>{% endfor %}` wrote them: BoundWidget.tag() renders input.html from the same data."""
        parts = []
        for option in self.subwidgets:
            label = conditional_escape(option.choice_label)
            parts.append(
                f'<label for="{conditional_escape(option.id_for_label)}">{_input_html(option.data)} {label}</label>'
            )
        return mark_safe("".join(parts))  # noqa: S308  # every value escaped


class CaseFilterForm(forms.Form):
    """The FilterSet's form: how typed values are read, and the checks across fields."""

    bound_field_class = QuickBoundField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_phone(self) -> str:
        """A whole number however written ("0812-3456-7890", "62 812…") becomes E.164 like the stored numbers;
        anything shorter is a part of a number: its digits after the country or trunk prefix ("3456 7890")."""
        typed = (self.cleaned_data.get("phone") or "").strip()
        digits = "".join(ch for ch in typed if ch.isdigit())
        if typed.startswith("+") or digits.startswith(("0", "62")):
            try:
                return normalise_phone(typed, field="phone", allow_foreign=True)
            except InvalidInput:
                pass
        for prefix in ("62", "0"):
            if digits.startswith(prefix):
                return digits[len(prefix) :]
        return digits

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("created_from"), cleaned.get("created_to")
        if start and end and start > end:
            self.add_error("created_to", _("Tanggal akhir harus sama dengan atau setelah tanggal awal."))
        return cleaned


_form_classes: dict[type[django_filters.FilterSet], type[forms.Form]] = {}


class CaseFilter(django_filters.FilterSet):
    """Bind it to the query parameters and the viewer; `cases()` gives the matching cases."""

    number = django_filters.CharFilter(
        label=_("Nomor laporan"), max_length=24, method="filter_number", widget=QuickTextInput
    )
    phone = django_filters.CharFilter(
        label=_("HP pelapor"), max_length=20, method="filter_phone", widget=QuickTextInput
    )
    text = django_filters.CharFilter(
        label=_("Kata dalam judul atau uraian"), max_length=100, method="filter_text", widget=QuickTextInput
    )
    district = _model_choice(District.objects.order_by("name"), _("Kecamatan"), _("Semua kecamatan"))
    village = _model_choice(
        Village.objects.select_related("district").defer("boundary").order_by("name"),
        _("Kelurahan"),
        _("Semua kelurahan"),
    )
    state = django_filters.MultipleChoiceFilter(
        label=_("Status"),
        choices=CaseStateChoices.choices(),
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
    )
    category = _model_choice(Category.objects.order_by("name"), _("Kategori"), _("Semua kategori"))
    agency = _model_choice(Agency.objects.order_by("short_name"), _("OPD"), _("Semua OPD"))
    team = _model_choice(ResponseTeam.objects.order_by("name"), _("Tim URC"), _("Semua tim"))
    sla_status = django_filters.ChoiceFilter(
        label=_("Status SLA"), choices=SlaStatusChoices.choices(), empty_label=_("Semua"), widget=QuickSelect
    )
    overdue = TrueFalseFilter(
        label=_("Terlambat"),
        method="filter_overdue",
        widget=QuickSelect(choices=[("", _("Semua")), ("true", _("Ya")), ("false", _("Tidak"))]),
    )
    channel = django_filters.ChoiceFilter(
        label=_("Kanal"), choices=ChannelChoices.choices(), empty_label=_("Semua"), widget=QuickSelect
    )
    hour = django_filters.ChoiceFilter(
        label=_("Jam masuk"),
        method="filter_hour",
        choices=[(str(h), f"{h:02d}.00–{h:02d}.59") for h in range(24)],
        empty_label=_("Semua"),
        widget=QuickSelect,
    )
    created_from = django_filters.DateFilter(
        label=_("Dilaporkan sejak"), method="filter_created_from", widget=QuickDateInput(attrs={"type": "date"})
    )
    created_to = django_filters.DateFilter(
        label=_("Dilaporkan sampai"), method="filter_created_to", widget=QuickDateInput(attrs={"type": "date"})
    )
    priority = django_filters.MultipleChoiceFilter(
        label=_("Prioritas"),
        choices=PriorityChoices.choices(),
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
    )
    sort = django_filters.ChoiceFilter(
        label=_("Urutkan"),
        method="filter_sort",
        choices=[
            ("priority", _("Darurat dan prioritas tinggi dulu, lalu sisa waktu tersingkat")),
            ("due", _("Sisa waktu tersingkat dulu")),
            ("newest", _("Terbaru dulu")),
            ("oldest", _("Terlama dulu")),
        ],
        empty_label=None,
        widget=QuickSelect,
    )
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Case
        fields: list[str] = []
        form = CaseFilterForm

    def __init__(
        self, data: QueryDict | None, queryset: QuerySet[Case], *, user: User, default_sort: str = "newest"
    ) -> None:
        if data is not None and not data.get("sort"):
            # The form shows the order in use: the caller's default when the query names none.
            data = data.copy()
            data["sort"] = default_sort
        super().__init__(data, queryset)
        self.user = user
        self.default_sort = default_sort

    def get_form_class(self) -> type[forms.Form]:
        """The form class, built once per process: django-filters built it, and a field per filter, on every page
        (the form deep-copies its fields per instance anyway). None of these filters depends on the request (no
        callable queryset), so the fields made from a copy of the class's filters are those of every instance."""
        form_class = _form_classes.get(type(self))
        if form_class is None:
            fields = {name: filter_.field for name, filter_ in copy.deepcopy(self.base_filters).items()}
            form_class = _form_classes[type(self)] = type(f"{type(self).__name__}Form", (self._meta.form,), fields)
        return form_class

    def filter_queryset(self, queryset: QuerySet[Case]) -> QuerySet[Case]:
        """Every filter, then the chosen order (the caller's default when none is chosen)."""
        cases = super().filter_queryset(queryset)
        return sort_cases(cases, self.form.cleaned_data.get("sort") or self.default_sort)

    # --- the filters that are more than a field lookup ---

    def filter_number(self, cases: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        # UPPER(tracking_number) = UPPER(value), the expression of the case_tracking_number_upper index on both
        # databases (iexact is a LIKE on SQLite, which that index cannot answer: 0.7 s at 100,000 cases).
        return cases.alias(number_upper=Upper("tracking_number")).filter(number_upper=value.strip().upper())

    def filter_phone(self, cases: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        """Searching by phone never finds an anonymous report for someone who may not see anonymous reporters:
        the match itself would reveal who reported."""
        # Reporters' numbers are stored in E.164 (cases/0007 rewrote older rows): a whole number is an exact
        # match on the case_reporter_phone index, a part of one a substring of the digits.
        cases = cases.filter(reporter_phone=value) if value.startswith("+") else phone_part_filter(cases, value)
        return cases.filter(reporter_shown(self.user))

    def filter_text(self, cases: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return text_filter(cases, value)

    def filter_sort(self, cases: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return cases  # applied last, in filter_queryset, so that no filter's own order can override it

    def filter_overdue(self, cases: QuerySet[Case], name: str, value: bool) -> QuerySet[Case]:
        overdue = Q(state__in=CaseStateChoices.OPEN, sla_status=SlaStatusChoices.OVERDUE)
        return cases.filter(overdue) if value else cases.exclude(overdue)

    def filter_hour(self, cases: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        # LocalHour: on SQLite written so that its index case_created_hour answers it (cases/search_sql.py).
        zone = timezone.get_default_timezone()
        return cases.alias(created_hour=LocalHour("created_at", tzinfo=zone)).filter(created_hour=int(value))

    def filter_created_from(self, cases: QuerySet[Case], name: str, value: date) -> QuerySet[Case]:
        return cases.filter(created_at__gte=datetime.combine(value, time.min, tzinfo=timezone.get_default_timezone()))

    def filter_created_to(self, cases: QuerySet[Case], name: str, value: date) -> QuerySet[Case]:
        end = datetime.combine(value + timedelta(days=1), time.min, tzinfo=timezone.get_default_timezone())
        return cases.filter(created_at__lt=end)

    # --- what the page, the CSV and the API ask of it ---

    def cases(self) -> QuerySet[Case]:
        """The matching cases in the chosen order; none while a field is invalid (the page shows why)."""
        if not self.is_bound:
            return sort_cases(self.queryset.all(), self.default_sort)
        return self.qs if self.is_valid() else self.queryset.none()

    def checked_cases(self) -> QuerySet[Case]:
        """The matching cases, or InvalidInput naming the first invalid field (the API's 400)."""
        if not self.is_bound:
            return sort_cases(self.queryset.all(), self.default_sort)
        if not self.is_valid():
            field, messages = next(iter(self.errors.items()))
            raise InvalidInput(str(messages[0]), field=None if field == "__all__" else field)
        return self.qs

    def count_cap(self) -> int | None:
        """How far a page of these cases counts them: TEXT_COUNT_CAP with a text filter, else None (the paginator's
        own cap)."""
        if self.is_bound and self.is_valid() and self.form.cleaned_data.get("text"):
            return TEXT_COUNT_CAP
        return None

    def query_string(self) -> str:
        """The filter's own parameters as a query string (no page number), for saving and for the CSV link."""
        kept = cast(QueryDict, self.data).copy()  # the filters are always bound to request.GET or a saved query
        for key in list(kept.keys()):
            if key not in self.filters or not any(kept.getlist(key)):
                del kept[key]
        if kept.get("sort") == self.default_sort:
            del kept["sort"]
        return kept.urlencode()


def _api_type(name: str, filter_: django_filters.Filter) -> tuple[Any, Any]:
    """The Python type and pydantic Field of one filter as an API query parameter."""
    options: dict[str, Any] = {"description": DESCRIPTIONS[name]}
    if name in DEPRECATED:
        options["deprecated"] = True
    kind: Any
    if name == "hour":
        kind, options["ge"], options["le"] = int, 0, 23
    elif isinstance(filter_, django_filters.ModelChoiceFilter):
        kind = str
    elif isinstance(filter_, django_filters.MultipleChoiceFilter):
        kind = list[Literal[tuple(value for value, _label in filter_.extra["choices"])]]  # type: ignore[misc]
    elif isinstance(filter_, django_filters.ChoiceFilter):
        kind = Literal[tuple(value for value, _label in filter_.extra["choices"])]
    elif isinstance(filter_, django_filters.BooleanFilter):
        kind = bool
    elif isinstance(filter_, django_filters.IsoDateTimeFilter):
        kind = datetime
    elif isinstance(filter_, django_filters.DateFilter):
        kind = date
    else:
        kind = str
        if "max_length" in filter_.extra:
            options["max_length"] = filter_.extra["max_length"]
    return kind | None, Field(None, **options)


class Paging(Schema):
    page: int = Field(1, ge=1, description="Page number, from 1.")
    page_size: int = Field(50, ge=1, le=200, description="Cases per page, 1–200.")


def api_query_schema() -> type[Paging]:
    """GET /api/v1/cases's query parameters: paging and every CaseFilter field, typed and described."""
    fields = {name: _api_type(name, filter_) for name, filter_ in CaseFilter.base_filters.items()}
    return create_model("CaseListQuery", __base__=Paging, **fields)  # type: ignore[call-overload]
