# Deliveries are sent by queued tasks (citizens.notify.send_delivery) instead of the worker's claim loop: each
# delivery still pending gets its task, and the loop's claim column goes.

import uuid

from django.db import migrations
from django.utils import timezone


def queue_pending_deliveries(apps, schema_editor):
    Delivery = apps.get_model("citizens", "Delivery")
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    now = timezone.now()
    DBTaskResult.objects.bulk_create(
        [
            DBTaskResult(
                id=uuid.uuid4(),
                status="READY",
                args_kwargs={"args": [pk], "kwargs": {}},
                priority=0,
                task_path="patriot.citizens.notify.send_delivery",
                worker_ids=[],
                queue_name="default",
                backend_name="default",
                run_after=now,
                exception_class_path="",
                traceback="",
            )
            for pk in Delivery.objects.filter(status="pending").values_list("pk", flat=True)
        ]
    )


class Migration(migrations.Migration):
    dependencies = [
        ("citizens", "0001_initial"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [
        migrations.RunPython(queue_pending_deliveries, migrations.RunPython.noop),
        migrations.RemoveField(model_name="delivery", name="claimed_until"),
    ]
