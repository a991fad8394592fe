from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('forum', '0015_thread_has_poll')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ContentVersion',
            fields=[
                ('id', fields.IntField(primary_key=True, unique=True, db_index=True)),
                ('value', fields.BigIntField(default=0)),
            ],
            options={'table': 'content_version', 'app': 'forum', 'pk_attr': 'id', 'table_description': 'One row (id 1): how many writes the community has seen.'},
            bases=['Model'],
        ),
        # The one row every write bumps (forum/pagecache.py).
        ops.RunSQL("INSERT INTO content_version (id, value) VALUES (1, 0)"),
    ]
