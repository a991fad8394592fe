from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('forum', '0005_thread_notices_and_global_pins')]

    initial = False

    operations = [
        ops.CreateModel(
            name='WatchedWord',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('word', fields.CharField(max_length=100)),
                ('word_key', fields.CharField(unique=True, max_length=200)),
                ('action', fields.CharField(max_length=20)),
                ('replacement', fields.CharField(default='', max_length=100)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'watched_word', 'app': 'forum', 'pk_attr': 'id', 'table_description': 'A word or phrase (* matches any letters) and what happens to a post that contains it.'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='Flag',
            name='user',
            field=fields.ForeignKeyField('forum.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='flags_made', on_delete=OnDelete.CASCADE),
        ),
    ]
