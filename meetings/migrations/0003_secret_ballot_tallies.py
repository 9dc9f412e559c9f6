"""Secret ballots keep no per-ballot rows: Ballot becomes a tally per option, PollVoter gets a
random UUID key (and the option, for open polls only), and existing voter rows of secret polls
are re-inserted in a random order. Data goes through a stash table because the key changes type."""

import random
import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Count


def stash_votes(apps, schema_editor):
    Ballot = apps.get_model("meetings", "Ballot")
    PollOption = apps.get_model("meetings", "PollOption")
    PollVoter = apps.get_model("meetings", "PollVoter")
    Stash = apps.get_model("meetings", "PollVoterStash")
    tallies = Ballot.objects.values("option_id").annotate(n=Count("pk"))
    for row in tallies:
        PollOption.objects.filter(pk=row["option_id"]).update(tally=row["n"])
    open_choice = dict(Ballot.objects.filter(voter__isnull=False, poll__secret=False).values_list("voter_id", "option_id"))
    Stash.objects.bulk_create([
        Stash(id=uuid.uuid4(), poll_id=v.poll_id, seat_id=v.seat_id, cast_by_id=v.cast_by_id,
              option_id=None if v.poll.secret else open_choice.get(v.pk))
        for v in PollVoter.objects.select_related("poll")
    ])


def restore_votes(apps, schema_editor):
    PollVoter = apps.get_model("meetings", "PollVoter")
    Stash = apps.get_model("meetings", "PollVoterStash")
    rows = list(Stash.objects.all())
    random.SystemRandom().shuffle(rows)
    PollVoter.objects.bulk_create([
        PollVoter(id=uuid.uuid4(), poll_id=r.poll_id, seat_id=r.seat_id, cast_by_id=r.cast_by_id, option_id=r.option_id)
        for r in rows
    ])


class Migration(migrations.Migration):

    dependencies = [
        ('meetings', '0002_speaker_time_limit'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='polloption',
            name='tally',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.CreateModel(
            name='PollVoterStash',
            fields=[
                ('id', models.UUIDField(primary_key=True, serialize=False)),
                ('poll_id', models.BigIntegerField()),
                ('seat_id', models.BigIntegerField()),
                ('cast_by_id', models.BigIntegerField()),
                ('option_id', models.BigIntegerField(null=True)),
            ],
        ),
        migrations.RunPython(stash_votes, migrations.RunPython.noop),
        migrations.DeleteModel(name='Ballot'),
        migrations.DeleteModel(name='PollVoter'),
        migrations.CreateModel(
            name='PollVoter',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('poll', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='voters', to='meetings.poll')),
                ('seat', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='meetings.participant')),
                ('cast_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('option', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='meetings.polloption')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('poll', 'seat'), name='one_ballot_per_seat')],
            },
        ),
        migrations.RunPython(restore_votes, migrations.RunPython.noop),
        migrations.DeleteModel(name='PollVoterStash'),
    ]
