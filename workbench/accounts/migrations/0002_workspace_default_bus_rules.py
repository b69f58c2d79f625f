"""Workspace.default_bus_rules, counted once for the workspaces that already have rules."""

from typing import Any

from django.db import migrations, models


def count_rules(apps: Any, schema_editor: Any) -> None:
    workspace_model = apps.get_model("accounts", "Workspace")
    rule_model = apps.get_model("events", "Rule")
    for workspace in workspace_model.objects.all():
        workspace.default_bus_rules = rule_model.objects.filter(
            bus__workspace=workspace, bus__name="default", state="ENABLED", event_pattern__isnull=False
        ).count()
        workspace.save(update_fields=["default_bus_rules"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("events", "0005_receivedevent_schema_problems"),
    ]

    operations = [
        migrations.AddField(
            model_name="workspace",
            name="default_bus_rules",
            field=models.PositiveIntegerField(
                default=0,
                help_text="enabled rules with a pattern on the default bus, kept by every rule change: "
                "services that put their own events there (Step Functions' status changes) skip all "
                "work while it is 0",
            ),
        ),
        migrations.RunPython(count_rules, migrations.RunPython.noop),
    ]
