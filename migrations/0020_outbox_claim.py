from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('forum', '0019_privacy')]

    initial = False

    operations = [
        ops.AddField(
            model_name='OutboxMessage',
            name='claimed_by',
            field=fields.CharField(null=True, max_length=100),
        ),
    ]
