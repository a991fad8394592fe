from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


# The full-text index over search_doc, which the ORM cannot describe: an external-content
# FTS5 table kept in step by triggers on SQLite, GIN expression indexes on PostgreSQL.
SQLITE_SEARCH = """
CREATE VIRTUAL TABLE search_fts USING fts5(
    title, body, content='search_doc', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER search_doc_ai AFTER INSERT ON search_doc BEGIN
    INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER search_doc_ad AFTER DELETE ON search_doc BEGIN
    INSERT INTO search_fts(search_fts, rowid, title, body)
    VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER search_doc_au AFTER UPDATE ON search_doc BEGIN
    INSERT INTO search_fts(search_fts, rowid, title, body)
    VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
END;
"""
POSTGRES_SEARCH = """
CREATE INDEX search_doc_text_gin ON search_doc
    USING gin (to_tsvector('simple'::regconfig, title || ' ' || body));
CREATE INDEX search_doc_title_gin ON search_doc
    USING gin (to_tsvector('simple'::regconfig, title));
"""


async def full_text_index(apps, schema_editor) -> None:
    client = schema_editor.client
    script = SQLITE_SEARCH if client.capabilities.dialect == "sqlite" else POSTGRES_SEARCH
    await client.execute_script(script)


class Migration(migrations.Migration):
    dependencies = [('forum', '0013_guest_posts')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Bookmark',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('forum.User', source_field='user_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('post', fields.ForeignKeyField('forum.Post', source_field='post_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('note', fields.CharField(default='', max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'bookmark', 'app': 'forum', 'unique_together': (('user', 'post'),), 'indexes': [Index(fields=['user_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Idea',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('category_id', fields.IntField()),
                ('vote_count', fields.IntField(default=0)),
                ('status', fields.CharField(default='', max_length=16)),
                ('status_note', fields.CharField(default='', max_length=300)),
                ('status_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'idea', 'app': 'forum', 'indexes': [Index(fields=['category_id', 'vote_count', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='IdeaStatusChange',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('idea', fields.ForeignKeyField('forum.Idea', source_field='idea_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('status', fields.CharField(max_length=16)),
                ('note', fields.CharField(default='', max_length=300)),
                ('actor', fields.ForeignKeyField('forum.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'idea_status_change', 'app': 'forum', 'indexes': [Index(fields=['idea_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='IdeaVote',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('idea', fields.ForeignKeyField('forum.Idea', source_field='idea_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('forum.User', source_field='user_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'idea_vote', 'app': 'forum', 'unique_together': (('idea', 'user'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Poll',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('thread', fields.OneToOneField('forum.Thread', source_field='thread_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('question', fields.CharField(max_length=200)),
                ('multiple', fields.BooleanField(default=False)),
                ('max_choices', fields.SmallIntField(null=True)),
                ('closes_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('voter_count', fields.IntField(default=0)),
                ('reminded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('follow_up_post_id', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'poll', 'app': 'forum', 'indexes': [Index(fields=['closed_at', 'follow_up_post_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PollOption',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('poll', fields.ForeignKeyField('forum.Poll', source_field='poll_id', db_constraint=True, to_field='id', related_name='options', on_delete=OnDelete.CASCADE)),
                ('position', fields.SmallIntField()),
                ('text', fields.CharField(max_length=200)),
                ('vote_count', fields.IntField(default=0)),
            ],
            options={'table': 'poll_option', 'app': 'forum', 'indexes': [Index(fields=['poll_id', 'position'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PollVote',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('poll', fields.ForeignKeyField('forum.Poll', source_field='poll_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('option', fields.ForeignKeyField('forum.PollOption', source_field='option_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('forum.User', source_field='user_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'poll_vote', 'app': 'forum', 'unique_together': (('option', 'user'),), 'indexes': [Index(fields=['poll_id', 'user_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SearchDoc',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('thread_id', fields.IntField(db_index=True)),
                ('title', fields.TextField(default='', unique=False)),
                ('body', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'search_doc', 'app': 'forum', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SearchLog',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('query', fields.CharField(max_length=200)),
                ('results', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'search_log', 'app': 'forum', 'indexes': [Index(fields=['created_at', 'query'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Tag',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=40)),
                ('slug', fields.CharField(unique=True, max_length=40)),
                ('description', fields.CharField(default='', max_length=300)),
                ('thread_count', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'tag', 'app': 'forum', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TagWatch',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('forum.User', source_field='user_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('tag', fields.ForeignKeyField('forum.Tag', source_field='tag_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('level', fields.SmallIntField(default=1)),
            ],
            options={'table': 'tag_watch', 'app': 'forum', 'unique_together': (('user', 'tag'),), 'indexes': [Index(fields=['tag_id', 'level'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ThreadTag',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('thread', fields.ForeignKeyField('forum.Thread', source_field='thread_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('tag', fields.ForeignKeyField('forum.Tag', source_field='tag_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('last_posted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'thread_tag', 'app': 'forum', 'unique_together': (('thread', 'tag'),), 'indexes': [Index(fields=['tag_id', 'last_posted_at', 'thread_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Thread',
            name='tags',
            field=fields.CharField(default='', db_default='', max_length=250),
        ),
        ops.AddField(
            model_name='User',
            name='previous_seen_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddIndex(
            model_name='Like',
            index=Index(fields=['user_id', 'created_at']),
        ),
        ops.RunPython(full_text_index),
    ]
