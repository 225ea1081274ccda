"""Si Tik Tik's choices: building kinds, container types and where they stand, PSN 3M Plus actions."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from patriot.core.choices import ChoiceSet


class BuildingKindChoices(ChoiceSet):
    """What a jumantik inspected. The house indices (ABJ, HI, BI) count houses; public places and institutions
    are inspected too and counted on their own."""

    HOUSE = "house"
    PUBLIC_PLACE = "ttu"
    INSTITUTION = "tti"

    CHOICES = [
        (HOUSE, _("Rumah"), "blue"),
        (PUBLIC_PLACE, _("Tempat umum (TTU): masjid, pasar, terminal"), "purple"),
        (INSTITUTION, _("Tempat institusi (TTI): sekolah, kantor"), "teal"),
    ]


class ContainerGroupChoices(ChoiceSet):
    WATER_STORAGE = "water_storage"
    NON_STORAGE = "non_storage"
    NATURAL = "natural"

    CHOICES = [
        (WATER_STORAGE, _("Tempat penampungan air (TPA)"), "blue"),
        (NON_STORAGE, _("Bukan tempat penampungan air (non-TPA)"), "orange"),
        (NATURAL, _("Tempat penampungan air alamiah"), "green"),
    ]


class ContainerTypeChoices(ChoiceSet):
    """Where larvae breed, in the order the inspection form asks (Kemenkes' survey form groups them so)."""

    BATH_TUB = "bath_tub"
    DRUM = "drum"
    JAR = "jar"
    BUCKET = "bucket"
    FLOWER_VASE = "flower_vase"
    DISPENSER_TRAY = "dispenser_tray"
    REFRIGERATOR_TRAY = "refrigerator_tray"
    BIRD_DRINKER = "bird_drinker"
    DISCARDED_ITEMS = "discarded_items"
    TYRES = "tyres"
    TREE_HOLE = "tree_hole"
    BAMBOO_STUMP = "bamboo_stump"

    CHOICES = [
        (BATH_TUB, _("Bak mandi"), "blue"),
        (DRUM, _("Drum"), "blue"),
        (JAR, _("Tempayan"), "blue"),
        (BUCKET, _("Ember"), "blue"),
        (FLOWER_VASE, _("Vas bunga"), "orange"),
        (DISPENSER_TRAY, _("Tatakan dispenser"), "orange"),
        (REFRIGERATOR_TRAY, _("Tatakan kulkas"), "orange"),
        (BIRD_DRINKER, _("Tempat minum burung"), "orange"),
        (DISCARDED_ITEMS, _("Barang bekas"), "orange"),
        (TYRES, _("Ban bekas"), "orange"),
        (TREE_HOLE, _("Lubang pohon"), "green"),
        (BAMBOO_STUMP, _("Potongan bambu"), "green"),
    ]

    GROUP = {
        BATH_TUB: ContainerGroupChoices.WATER_STORAGE,
        DRUM: ContainerGroupChoices.WATER_STORAGE,
        JAR: ContainerGroupChoices.WATER_STORAGE,
        BUCKET: ContainerGroupChoices.WATER_STORAGE,
        FLOWER_VASE: ContainerGroupChoices.NON_STORAGE,
        DISPENSER_TRAY: ContainerGroupChoices.NON_STORAGE,
        REFRIGERATOR_TRAY: ContainerGroupChoices.NON_STORAGE,
        BIRD_DRINKER: ContainerGroupChoices.NON_STORAGE,
        DISCARDED_ITEMS: ContainerGroupChoices.NON_STORAGE,
        TYRES: ContainerGroupChoices.NON_STORAGE,
        TREE_HOLE: ContainerGroupChoices.NATURAL,
        BAMBOO_STUMP: ContainerGroupChoices.NATURAL,
    }


class ContainerPlaceChoices(ChoiceSet):
    INDOOR = "indoor"
    OUTDOOR = "outdoor"

    CHOICES = [
        (INDOOR, _("Di dalam rumah"), "gray"),
        (OUTDOOR, _("Di luar rumah"), "green"),
    ]


class PsnActionChoices(ChoiceSet):
    """PSN 3M Plus (pemberantasan sarang nyamuk): what the jumantik did or saw done at the house."""

    DRAIN = "drain"
    COVER = "cover"
    RECYCLE = "recycle"
    LARVICIDE = "larvicide"
    FISH = "fish"

    CHOICES = [
        (DRAIN, _("Menguras tempat penampungan air"), "blue"),
        (COVER, _("Menutup tempat penampungan air"), "blue"),
        (RECYCLE, _("Mendaur ulang barang bekas"), "green"),
        (LARVICIDE, _("Menaburkan larvasida (abate)"), "orange"),
        (FISH, _("Memelihara ikan pemakan jentik"), "teal"),
    ]


class DengueSourceChoices(ChoiceSet):
    """Where a dengue case count came from (larvae.DengueCase.source; a plain field, so sources can be added)."""

    MANUAL = "manual"  # entered by Dinkes on /jumantik/wilayah/dbd/
    REFERRAL = "referral"  # a referral admitted with A90/A91, placed by the patient's address
    REFERRAL_ORIGIN = "referral_origin"  # the same, placed in the referring facility's kelurahan (no address held)

    CHOICES = [
        (MANUAL, _("Dicatat Dinkes"), "gray"),
        (REFERRAL, _("Rujukan (alamat pasien)"), "blue"),
        (REFERRAL_ORIGIN, _("Rujukan (kelurahan faskes perujuk)"), "orange"),
    ]
