from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('forum', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='User',
            name='language',
            field=fields.CharField(default='', max_length=8),
        ),
        ops.AddField(
            model_name='User',
            name='timezone',
            field=fields.CharField(default='', max_length=64),
        ),
    ]
