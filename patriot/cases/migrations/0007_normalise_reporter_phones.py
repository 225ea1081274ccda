"""Reporters' numbers in E.164, like every number stored from now on (patriot.core.phones).

Cases used to keep reporter_phone as typed ("0812-3456-7890", "62 812 3456 7890"). Every value that reads as a
valid number (Indonesian when it has no country code) is rewritten to E.164, a batch of cases at a time; anything
else stays as typed. The rule is copied here, not imported, so this migration keeps doing what it did when the
rule changes later. Reversing leaves the numbers in E.164 (the typed spellings are not kept).
"""

import phonenumbers
from django.db import migrations

REGION = "ID"
BATCH = 1000


def _e164(typed):
    try:
        number = phonenumbers.parse(typed.strip(), REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_reporter_phones(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    with_phone = Case.objects.exclude(reporter_phone="").only("pk", "reporter_phone").order_by("pk")
    last = 0
    while batch := list(with_phone.filter(pk__gt=last)[:BATCH]):
        last = batch[-1].pk
        changed = []
        for case in batch:
            e164 = _e164(case.reporter_phone)
            if e164 is not None and e164 != case.reporter_phone:
                case.reporter_phone = e164
                changed.append(case)
        Case.objects.bulk_update(changed, ["reporter_phone"])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_dashboard_indexes"),
    ]

    operations = [
        migrations.RunPython(normalise_reporter_phones, migrations.RunPython.noop, elidable=True),
    ]
