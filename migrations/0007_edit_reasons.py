from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('forum', '0006_watched_words_and_system_flags')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Post',
            name='edit_reason',
            field=fields.CharField(default='', max_length=500),
        ),
        ops.AddField(
            model_name='PostRevision',
            name='reason',
            field=fields.CharField(default='', max_length=500),
        ),
    ]
