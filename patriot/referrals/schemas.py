"""Referrals' API shapes. The bed report follows the national bed-reporting format (SIRS / RS Online
"tempat tidur"): bed type code, room, total, used, queue; `prepare` is the beds being prepared (reserved)."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


class BedReportIn(Schema):
    facility: str = Field(description="The hospital's unit code (accounts.OrganisationUnit.code)")
    id_tt: str = Field(description="Bed type code: icu, iccu, nicu, picu, hcu, isolation, emergency, …")
    ruang: str = Field("", max_length=100, description="Room or ward name")
    jumlah: int = Field(ge=0, le=10000, description="Total beds")
    terpakai: int = Field(ge=0, le=10000, description="Beds in use")
    prepare: int = Field(0, ge=0, le=10000, description="Beds being prepared (reserved)")
    antrian: int = Field(0, ge=0, le=10000, description="Patients waiting for a bed")


class BedReportOut(Schema):
    facility: str
    id_tt: str
    ruang: str
    jumlah: int
    terpakai: int
    prepare: int
    antrian: int
    kosong: int
    updated_at: datetime


class BedBoardOut(Schema):
    """One bed type at one hospital on the public board. `kosong` is null when the figure is stale (older than
    PATRIOT_BED_STALE_HOURS): a stale figure is never given as current."""

    facility: str = Field(description="The hospital's unit code")
    nama: str = Field(description="The hospital's name")
    id_tt: str = Field(description="Bed type code")
    jumlah: int = Field(description="Total beds")
    kosong: int | None = Field(description="Free beds (total − used − prepared); null when stale")
    updated_at: datetime
    usang: bool = Field(description="True when older than PATRIOT_BED_STALE_HOURS")
