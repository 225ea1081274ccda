"""The referral pages (/rujukan/…): the referring facility writes and sends a referral and follows it; the
receiving hospital sees incoming referrals live with their answer timer and accepts or rejects; both record the
later steps; Dinkes reads them all. Who reads what is referrals.access's rule (a hospital still asked reads the
patient masked); every display of a patient's identity is audited (core.audit.record_access, with the purpose);
anyone else gets 404. Dinkes finds a patient by NIK with a POST form, so a NIK never appears in a URL, an access log
line or a Referer."""

from __future__ import annotations

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from patriot.accounts.actors import actor_display
from patriot.accounts.choices import RoleChoices, UnitKindChoices
from patriot.accounts.models import User
from patriot.cases.views.staff import staff_page
from patriot.core import clock
from patriot.core.audit import record_access
from patriot.core.choices import PersonalDataChoices
from patriot.core.errors import DomainError
from patriot.referrals import access, icd10, referral_queries, services
from patriot.referrals.access import is_dinkes
from patriot.referrals.choices import (
    OfferStateChoices,
    ReferralActionChoices,
    ReferralEntryKindChoices,
    ReferralStateChoices,
    RejectReasonChoices,
    UrgencyChoices,
)
from patriot.referrals.models import PrimaryCareDiagnosis, Referral
from patriot.referrals.nik import mask_nik, nik_digest
from patriot.referrals.referral_forms import ReferralForm, RejectForm, TransportForm
from patriot.referrals.services import opened

facility_page = staff_page({RoleChoices.HOSPITAL_STAFF})
referral_page = staff_page({RoleChoices.HOSPITAL_STAFF, RoleChoices.HEALTH_OFFICER})
transport_page = staff_page({RoleChoices.PSC_CALL_TAKER, RoleChoices.PSC_DISPATCHER})
SUBJECT = "referral"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _refused(request: HttpRequest) -> HttpResponse:
    return render(request, "cases/staff/forbidden.html", status=403)


@referral_page
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if is_dinkes(user):
        return redirect("referrals-all")
    facility = access.user_facility(user)
    if facility is None:
        return _refused(request)
    if facility.unit.kind == UnitKindChoices.HOSPITAL:
        return redirect("referrals-incoming")
    return redirect("referrals-outgoing")


@facility_page
def incoming(request: HttpRequest) -> HttpResponse:
    facility = access.user_facility(_user(request))
    if facility is None:
        return _refused(request)
    waiting = referral_queries.waiting(facility)
    answered = referral_queries.answered(facility)
    # Waiting copies are listed without the patient's identity (referrals.access): only accepted ones show it.
    shown = [o.referral for o in answered if o.state == OfferStateChoices.ACCEPTED]
    access.record_identity_reads(_user(request), shown, _("Daftar rujukan masuk"), diagnosis=True)
    context = {"facility": facility, "waiting": waiting, "answered": answered, "now": clock.now()}
    return render(request, "referrals/referral_incoming.html", context)


@facility_page
def outgoing(request: HttpRequest) -> HttpResponse:
    facility = access.user_facility(_user(request))
    if facility is None:
        return _refused(request)
    referrals = referral_queries.sent_by(facility)
    access.record_identity_reads(_user(request), referrals, _("Daftar rujukan keluar"))
    return render(request, "referrals/referral_outgoing.html", {"facility": facility, "referrals": referrals})


@referral_page
@require_http_methods(["GET", "POST"])
@never_cache
def all_referrals(request: HttpRequest) -> HttpResponse:
    """Dinkes's list, filtered by state (GET); a NIK exact-match search is a POST (CSRF-protected), never a query
    string: a NIK in a URL would reach access logs, browser history and Referer headers."""
    user = _user(request)
    if not is_dinkes(user):
        return _refused(request)
    state = request.GET.get("status", "")
    if state not in ReferralStateChoices.values():
        state = ""
    nik = "".join(request.POST.get("nik", "").split()) if request.method == "POST" else ""
    referrals = referral_queries.by_nik_digest(user, nik_digest(nik)) if nik else referral_queries.all_referrals(state)
    access.record_identity_reads(user, referrals, _("Pengawasan rujukan Dinkes"))
    context = {
        "referrals": referrals,
        "states": ReferralStateChoices.choices(),
        "state": state,
        "searched_nik": mask_nik(nik[-4:]) if nik else "",
        "late": referral_queries.escalated_count(),
    }
    return render(request, "referrals/referral_all.html", context)


@facility_page
def new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    facility = services.facility_of(user)
    if facility is None:
        return _refused(request)
    form = ReferralForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            uploads = [services.Upload(f.name or "", f) for f in request.FILES.getlist("attachments")]
            try:
                referral = services.create_referral(user, form.details(), uploads)
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
                if error.code == "primary_care":
                    form.fields["primary_care_acknowledged"].widget.attrs["data-warning"] = "1"
            else:
                return redirect("referrals-detail", referral.pk)
        status = 400
    context = {"form": form, "facility": facility, "codes": list(icd10.codes().values())}
    return render(request, "referrals/referral_form.html", context, status=status)


@referral_page
def icd10_search(request: HttpRequest) -> HttpResponse:
    found = icd10.search(request.GET.get("q", ""))
    return JsonResponse({"results": [{"code": c.code, "name_id": c.name_id, "title_en": c.title_en} for c in found]})


@referral_page
def primary_care(request: HttpRequest) -> HttpResponse:
    """Dinkes keeps the list of diagnoses a puskesmas is warned about."""
    user = _user(request)
    if not is_dinkes(user):
        return _refused(request)
    if request.method == "POST":
        try:
            services.set_primary_care(
                user,
                request.POST.get("code", ""),
                active=request.POST.get("active") == "1",
                note=request.POST.get("note", ""),
            )
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("referrals-primary-care")
    rows = [(row, icd10.get(row.code)) for row in PrimaryCareDiagnosis.objects.all()]
    return render(request, "referrals/referral_primary_care.html", {"rows": rows})


def _visible_or_404(request: HttpRequest, pk: int) -> Referral:
    referral = referral_queries.find_visible(_user(request), pk)
    if referral is None:
        raise Http404
    return referral


@referral_page
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    reading = access.find_reading(user, pk)
    if reading is None:
        raise Http404
    referral, my_offer = reading.referral, reading.offer
    is_referrer, sees_all = reading.is_referrer, reading.is_referrer or reading.is_dinkes
    offers = list(referral.offers.select_related("facility__unit")) if sees_all else [my_offer] if my_offer else []
    if my_offer is not None and my_offer.opened_at is None and my_offer.state == OfferStateChoices.PENDING:
        opened.record_opened(user, referral)  # first opened by the hospital: on the timeline, FHIR Task "received"
    timeline = list(referral.timeline.all())
    if not sees_all:
        mine = my_offer.pk if my_offer else None
        timeline = [e for e in timeline if e.data.get("offer") in (None, mine)]
    for entry in timeline:
        entry.label = ReferralEntryKindChoices.label(entry.kind)  # type: ignore[attr-defined]
        entry.actor_shown = actor_display(entry.actor_label)  # type: ignore[attr-defined]  # in the reader's language
        reason = entry.data.get("reason")
        entry.reason_label = RejectReasonChoices.label(reason) if reason else ""  # type: ignore[attr-defined]
    if reading.identity:
        access.record_identity_reads(user, [referral], reading.purpose, diagnosis=True)
    allowed = services.REFERRAL_MACHINE.allowed(referral.state)
    can_send = (
        is_referrer
        and ReferralActionChoices.SEND in allowed
        and (referral.state != ReferralStateChoices.REQUESTED or referral.urgency == UrgencyChoices.EMERGENCY)
    )
    context = {
        "referral": referral,
        "patient": access.patient(referral, identity=reading.identity),
        "diagnoses": [icd10.get(code) or code for code in referral.diagnoses],
        "attachments": list(referral.attachments.all()) if reading.identity else [],
        "offers": offers,
        "my_offer": my_offer,
        "timeline": timeline,
        "is_referrer": is_referrer,
        "receiving": reading.is_receiver,
        "can_send": can_send,
        "suggestions": services.suggest(referral) if can_send else [],
        "multi": referral.urgency == UrgencyChoices.EMERGENCY,
        "can_answer": my_offer is not None
        and my_offer.state == OfferStateChoices.PENDING
        and referral.state == ReferralStateChoices.REQUESTED,
        "reject_form": RejectForm(),
        "transport_form": TransportForm(),
        "can_depart": is_referrer and ReferralActionChoices.DEPART in allowed,
        "can_cancel": is_referrer and ReferralActionChoices.CANCEL in allowed,
        "receiver_actions": [a for a in services.RECEIVER_ACTIONS_ORDER if a in allowed] if reading.is_receiver else [],
        "now": clock.now(),
    }
    return render(request, "referrals/referral_detail.html", context)


@never_cache
@transport_page
def transport(request: HttpRequest, pk: int) -> HttpResponse:
    """The transport sheet of a referral an ambulance of PSC 119 carries (access.transport_reading): what the PSC
    and its crew need to move the patient; the read is recorded with its purpose."""
    user = _user(request)
    reading = access.transport_reading(user, pk)
    if reading is None:
        raise Http404
    referral = reading.referral
    access.record_identity_reads(user, [referral], reading.purpose, diagnosis=True)
    accepted = referral.accepted_offer
    context = {
        "referral": referral,
        "patient": access.patient(referral, identity=True),
        "diagnoses": [icd10.get(code) or code for code in referral.diagnoses],
        "destination": accepted.facility.unit if accepted is not None else None,
    }
    return render(request, "referrals/referral_transport.html", context)


def _act(request: HttpRequest, pk: int, act: object) -> HttpResponse:
    referral = _visible_or_404(request, pk)
    try:
        act(referral)  # type: ignore[operator]
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("referrals-detail", referral.pk)


@facility_page
@require_POST
def send(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    if request.POST.get("next") == "1":
        return _act(request, pk, lambda r: services.send_next(user, r))
    ids = [int(v) for v in request.POST.getlist("hospital") if v.isdigit()]
    return _act(request, pk, lambda r: services.send(user, r, ids))


@facility_page
@require_POST
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    if request.POST.get("answer") == "accept":
        return _act(request, pk, lambda r: services.accept(user, r))
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Pilih alasan menolak."))
        return redirect("referrals-detail", pk)
    referral = _visible_or_404(request, pk)
    try:
        services.reject(user, referral, form.cleaned_data["reason"], form.cleaned_data["note"])
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("referrals-detail", referral.pk)
    # The patient is no longer this hospital's business: back to its list.
    messages.success(request, _("Rujukan %(number)s ditolak.") % {"number": referral.number})
    return redirect("referrals-incoming")


@facility_page
@require_POST
def step(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    action = request.POST.get("action", "")
    if action == ReferralActionChoices.DEPART:
        return _act(request, pk, lambda r: services.depart(user, r, request.POST.get("transport", "")))
    return _act(request, pk, lambda r: services.step(user, r, action, request.POST.get("note", "")))


@referral_page
def attachment(request: HttpRequest, pk: int, attachment: int) -> FileResponse:
    # A lab sheet or an image may carry the patient's name: only readers of the identity open attachments.
    reading = access.find_reading(_user(request), pk)
    if reading is None or not reading.identity:
        raise Http404
    item = reading.referral.attachments.filter(pk=attachment).first()
    if item is None:
        raise Http404
    record_access(
        _user(request),
        subject_type=SUBJECT,
        subject_ids=[reading.referral.pk],
        data=PersonalDataChoices.DIAGNOSIS,
        purpose=_("Membuka lampiran rujukan"),
    )
    response = FileResponse(default_storage.open(item.file.name, "rb"), content_type=item.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
