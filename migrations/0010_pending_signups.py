from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('forum', '0009_report_indexes')]

    initial = False

    operations = [
        ops.AddField(
            model_name='User',
            name='pending',
            field=fields.BooleanField(default=False, db_index=True),
        ),
    ]
