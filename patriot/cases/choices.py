"""Case states, channels, priorities, SLA statuses, rejection reasons and timeline kinds."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from patriot.core.choices import ChoiceSet


class CaseStateChoices(ChoiceSet):
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"
    DISPATCHED = "dispatched"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"

    CHOICES = [
        (SUBMITTED, _("Masuk"), "gray"),
        (VERIFIED, _("Terverifikasi"), "blue"),
        (REJECTED, _("Ditolak"), "red"),
        (DUPLICATE, _("Duplikat"), "gray"),
        (DISPATCHED, _("Didisposisikan"), "indigo"),
        (ASSIGNED, _("Ditugaskan"), "purple"),
        (IN_PROGRESS, _("Dikerjakan"), "orange"),
        (RESOLVED, _("Selesai ditangani"), "green"),
        (CLOSED, _("Ditutup"), "teal"),
    ]

    # Cases still waiting for someone in the city to act.
    OPEN = (SUBMITTED, VERIFIED, DISPATCHED, ASSIGNED, IN_PROGRESS)
    # Cases whose SLA clock runs (the open ones plus resolved, which waits for the reporter).
    CLOCKED = (*OPEN, RESOLVED)
    TERMINAL = (REJECTED, DUPLICATE, CLOSED)


class ChannelChoices(ChoiceSet):
    POT = "pot"
    SOROT = "sorot"
    PHONE = "phone"
    OPEN311 = "open311"
    FIELD = "field"
    HEALTH = "health"

    CHOICES = [
        (POT, _("POT (web)"), "blue"),
        (SOROT, _("SOROT (akun warga)"), "purple"),
        (PHONE, _("Call center 1500444"), "cyan"),
        (OPEN311, _("Open311"), "teal"),
        (FIELD, _("Petugas lapangan"), "orange"),
        (HEALTH, _("Sistem kesehatan"), "red"),
    ]


class PriorityChoices(ChoiceSet):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    CHOICES = [
        (LOW, _("Rendah"), "gray"),
        (NORMAL, _("Normal"), "blue"),
        (HIGH, _("Tinggi"), "orange"),
        (URGENT, _("Darurat"), "red"),
    ]


class SlaStatusChoices(ChoiceSet):
    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    STOPPED = "stopped"

    CHOICES = [
        (ON_TRACK, _("Sesuai jadwal"), "green"),
        (DUE_SOON, _("Mendekati batas waktu"), "orange"),
        (OVERDUE, _("Melewati batas waktu"), "red"),
        (STOPPED, _("Tidak berjalan"), "gray"),
    ]


class SlaClockChoices(ChoiceSet):
    WORKING_DAYS = "working_days"
    HOURS = "hours"

    CHOICES = [
        (WORKING_DAYS, _("Hari kerja"), "blue"),
        (HOURS, _("Jam (24/7)"), "red"),
    ]


class RejectionReasonChoices(ChoiceSet):
    SPAM = "spam"
    NOT_CITY_AUTHORITY = "not_city_authority"
    INSUFFICIENT_INFORMATION = "insufficient_information"
    NOT_A_COMPLAINT = "not_a_complaint"
    ABUSIVE = "abusive"
    OUTSIDE_CITY = "outside_city"

    CHOICES = [
        (SPAM, _("Spam"), "gray"),
        (NOT_CITY_AUTHORITY, _("Bukan wewenang Pemerintah Kota"), "orange"),
        (INSUFFICIENT_INFORMATION, _("Informasi tidak cukup"), "yellow"),
        (NOT_A_COMPLAINT, _("Bukan pengaduan"), "gray"),
        (ABUSIVE, _("Mengandung kata kasar atau SARA"), "red"),
        (OUTSIDE_CITY, _("Di luar wilayah kota"), "orange"),
    ]


class CategoryGroupChoices(ChoiceSet):
    INFRASTRUCTURE = "infrastructure"
    ENVIRONMENT = "environment"
    TRANSPORT = "transport"
    PUBLIC_ORDER = "public_order"
    HEALTH = "health"
    SOCIAL = "social"
    PUBLIC_SERVICES = "public_services"
    DISASTER = "disaster"
    GOVERNANCE = "governance"

    CHOICES = [
        (INFRASTRUCTURE, _("Jalan, drainase dan infrastruktur"), "orange"),
        (ENVIRONMENT, _("Kebersihan dan lingkungan"), "green"),
        (TRANSPORT, _("Lalu lintas dan perhubungan"), "blue"),
        (PUBLIC_ORDER, _("Ketertiban umum"), "purple"),
        (HEALTH, _("Kesehatan"), "red"),
        (SOCIAL, _("Sosial"), "pink"),
        (PUBLIC_SERVICES, _("Layanan publik dan administrasi"), "cyan"),
        (DISASTER, _("Bencana dan kedaruratan"), "red"),
        (GOVERNANCE, _("Aparatur dan pemerintahan"), "gray"),
    ]


class AttachmentKindChoices(ChoiceSet):
    REPORT_PHOTO = "report_photo"
    PROOF_PHOTO = "proof_photo"

    CHOICES = [
        (REPORT_PHOTO, _("Foto laporan"), "blue"),
        (PROOF_PHOTO, _("Foto bukti penanganan"), "green"),
    ]


class TimelineKindChoices(ChoiceSet):
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    REJECTED = "rejected"
    MERGED = "merged"
    DUPLICATE_LINKED = "duplicate_linked"
    DISPATCHED = "dispatched"
    FORWARDED = "forwarded"
    ASSIGNED = "assigned"
    STARTED = "started"
    RESOLVED = "resolved"
    CONFIRMED = "confirmed"
    AUTO_CLOSED = "auto_closed"
    DISPUTED = "disputed"
    COMMENTED = "commented"
    PHOTO_ADDED = "photo_added"
    SLA_DUE_SOON = "sla_due_soon"
    SLA_ESCALATED = "sla_escalated"
    INSTRUCTED = "instructed"
    INSTRUCTION_ANSWERED = "instruction_answered"
    CALL_LOGGED = "call_logged"
    RATED = "rated"
    SUPPORTED = "supported"

    CHOICES = [
        (SUBMITTED, _("Laporan masuk"), "gray"),
        (VERIFIED, _("Diverifikasi"), "blue"),
        (REJECTED, _("Ditolak"), "red"),
        (MERGED, _("Digabung sebagai duplikat"), "gray"),
        (DUPLICATE_LINKED, _("Laporan duplikat ditautkan"), "gray"),
        (DISPATCHED, _("Didisposisikan ke OPD"), "indigo"),
        (FORWARDED, _("Diteruskan ke OPD lain"), "indigo"),
        (ASSIGNED, _("Ditugaskan ke tim URC"), "purple"),
        (STARTED, _("Mulai dikerjakan"), "orange"),
        (RESOLVED, _("Selesai ditangani"), "green"),
        (CONFIRMED, _("Dikonfirmasi pelapor"), "teal"),
        (AUTO_CLOSED, _("Ditutup otomatis"), "teal"),
        (DISPUTED, _("Dibuka kembali oleh pelapor"), "red"),
        (COMMENTED, _("Komentar"), "gray"),
        (PHOTO_ADDED, _("Foto ditambahkan"), "gray"),
        (SLA_DUE_SOON, _("Mendekati batas waktu"), "orange"),
        (SLA_ESCALATED, _("Melewati batas waktu, dieskalasi"), "red"),
        (INSTRUCTED, _("Disposisi pimpinan"), "purple"),
        (INSTRUCTION_ANSWERED, _("Disposisi pimpinan ditanggapi"), "purple"),
        (CALL_LOGGED, _("Panggilan 1500444 dicatat"), "cyan"),
        (RATED, _("Dinilai pelapor"), "teal"),
        (SUPPORTED, _("Didukung warga"), "gray"),
    ]
    # Kinds whose note is written for the reporter, shown wherever the step is: why a report was rejected, what
    # was done, the reporter's own words, a comment marked public. Every other kind's note (a dispatch, the reason
    # for a forward, an assignment, a verification…) is between staff: the public and the reporter see the step
    # without it. An allow-list, so a kind added later stays internal until someone decides otherwise.
    CITIZEN_NOTE_KINDS = frozenset({REJECTED, RESOLVED, CONFIRMED, DISPUTED, COMMENTED})
