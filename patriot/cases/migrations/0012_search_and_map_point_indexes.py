# The staff search's first page under one filter and the public map's points in a small view.

import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0011_public_map_cell_counts"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("is_confidential", False)),
                fields=["h3_cell", "latitude", "longitude", "state"],
                name="case_public_map_point",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["agency", "created_at"], name="case_agency_created"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                django.db.models.functions.text.Upper("tracking_number"), name="case_tracking_number_upper"
            ),
        ),
    ]
