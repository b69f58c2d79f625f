from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('events', '0004_console_list_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='receivedevent',
            name='schema_problems',
            field=models.JSONField(
                default=list, help_text="[{field, rule, message}] its bus's schema flagged (beyond AWS)"
            ),
        ),
    ]
