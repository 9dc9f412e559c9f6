"""Every e-mail leaves through one outbox.

`queue_mails` (or `queue_mail` for one) writes `OutgoingMail` rows inside the caller's
transaction: a mail exists exactly when the change that sends it is committed. After the commit
one task sends the change's mails over one connection; a scheduled sweep
(`send_due_mail`, each minute) sends what a stopped or killed worker left and the retries that
are due, so a mail is never lost between the commit and the mail server (before, it was sent
after the commit in the same process and died with it).

A try claims its row with a conditional UPDATE (two workers never send the same try), sends with
the row's own Message-ID, and records the answer: sent, or the next try from `RETRY_DELAYS`
(then failed, readable in the admin). The one window left is a worker killed after the mail
server accepted the message and before the row says so: the row is tried again when its claim
lapses, with the same Message-ID, which mail servers and clients take as the same message.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import make_msgid
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from ecabinet.models import OutgoingMail, OutgoingMailAttachment
from ecabinet.text import as_one_line

log = logging.getLogger(__name__)

# An e-mail attachment: file name, content, MIME type (a paper's PDF, a calendar's .ics).
MailAttachment = tuple[str, bytes, str]

# Seconds after a failed try before the next: 1 min, 5 min, 30 min, 2 h, 12 h; then failed.
RETRY_DELAYS = (60, 300, 1800, 7200, 43200)
# Sent mail is kept this long for the administrator to read, then deleted by the sweep.
KEEP_SENT_DAYS = 30


@dataclass(frozen=True)
class Mail:
    """One e-mail to put in the outbox."""

    to: Sequence[str]
    subject: str
    body: str
    attachments: Sequence[MailAttachment] = ()


def queue_mails(kind: str, mails: Iterable[Mail]) -> list[OutgoingMail]:
    """Put e-mails in the outbox (those with an address), in two inserts whatever their number,
    sent by one task after the current transaction commits."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    now = timezone.now()
    kept = [(mail, to) for mail in mails if (to := [address for address in mail.to if address])]
    rows = [OutgoingMail(kind=kind[:48], recipients=to,
                         # The last guard for a subject: a line break would make the mail library
                         # refuse the whole message (titles are refused earlier; names are not).
                         subject=as_one_line(str(mail.subject))[:300], body=str(mail.body),
                         message_id=make_msgid("ecabinet", domain=domain), next_attempt_at=now)
            for mail, to in kept]
    if not rows:
        return []
    OutgoingMail.objects.bulk_create(rows)  # the ids come back (RETURNING: SQLite 3.35+, PostgreSQL)
    OutgoingMailAttachment.objects.bulk_create(
        OutgoingMailAttachment(mail=row, name=name[:255], content=content, mimetype=mimetype[:100])
        for row, (mail, _) in zip(rows, kept, strict=True) for name, content, mimetype in mail.attachments)
    # robust: the change is committed; a queue that cannot be reached leaves the rows to the sweep
    transaction.on_commit(partial(send_mail_task, [row.pk for row in rows]), robust=True)
    return rows


def queue_mail(*, kind: str, to: Sequence[str], subject: str, body: str,
               attachments: Sequence[MailAttachment] = ()) -> OutgoingMail | None:
    """Put one e-mail in the outbox (None: no address)."""
    rows = queue_mails(kind, [Mail(to, subject, body, attachments)])
    return rows[0] if rows else None


def _claim(mail_id: int, now: datetime) -> bool:
    # A mail server answers each step within EMAIL_TIMEOUT; a big attachment takes several steps.
    hold = now + timedelta(seconds=10 * settings.EMAIL_TIMEOUT)
    return bool(OutgoingMail.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        pk=mail_id, status=OutgoingMail.Status.PENDING, next_attempt_at__lte=now,
    ).update(claimed_until=hold))


def _message(mail: OutgoingMail, connection: BaseEmailBackend | None) -> EmailMessage:
    message = EmailMessage(mail.subject, mail.body, None, list(mail.recipients),
                           headers={"Message-ID": mail.message_id}, connection=connection)
    for attachment in mail.attachments.all():
        message.attach(attachment.name, bytes(attachment.content), attachment.mimetype)
    return message


def attempt_mail(mail_id: int, *, now: datetime | None = None,
                 connection: BaseEmailBackend | None = None) -> bool | None:
    """One try of a due mail: True sent, False failed (retried later or given up), None not due,
    done, or another worker has it. `now` is the schedule's clock (tests pass the next try's);
    `connection` one the caller keeps open for several mails."""
    now = now or timezone.now()
    if not _claim(mail_id, now):
        return None
    mail = OutgoingMail.objects.get(pk=mail_id)
    try:
        _message(mail, connection).send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - any failure of the mail server is a failed try
        error = f"{type(exc).__name__}: {exc}"[:500]
    else:
        error = ""
    number = mail.attempt_count + 1
    mail.attempt_count, mail.claimed_until, mail.last_error = number, None, error
    if not error:
        mail.status, mail.sent_at, mail.next_attempt_at = OutgoingMail.Status.SENT, timezone.now(), None
    elif number <= len(RETRY_DELAYS):
        mail.next_attempt_at = now + timedelta(seconds=RETRY_DELAYS[number - 1])
    else:
        mail.status, mail.next_attempt_at = OutgoingMail.Status.FAILED, None
    mail.save(update_fields=["attempt_count", "claimed_until", "last_error", "status", "sent_at",
                             "next_attempt_at"])
    if error:
        log.warning("mail %s (%s): try %s failed: %s", mail.pk, mail.kind, number, error)
    return not error


def send_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Try every mail whose next try is due, oldest first; how many were sent. Sent mail older
    than KEEP_SENT_DAYS is deleted."""
    now = now or timezone.now()
    due = list(OutgoingMail.objects.filter(status=OutgoingMail.Status.PENDING, next_attempt_at__lte=now)
               .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
    sent = sum(1 for pk in due if attempt_mail(pk, now=now))
    OutgoingMail.objects.filter(status=OutgoingMail.Status.SENT,
                                sent_at__lt=now - timedelta(days=KEEP_SENT_DAYS)).delete()
    return sent


def send_batch(mail_ids: Sequence[int]) -> int:
    """Send `mail_ids` over one connection to the mail server; how many were sent. The first
    failed try ends the batch: the server is down or refusing, and the sweep takes the rest, each
    on its own schedule, rather than this task waiting on every one of them."""
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except Exception:  # noqa: BLE001 - the first try below fails on its own and is recorded
        log.info("mail server not reached on opening a batch", exc_info=True)
    sent = 0
    try:
        for pk in mail_ids:
            result = attempt_mail(pk, connection=connection)
            if result is False:
                break
            sent += bool(result)
    finally:
        connection.close()
    return sent


@db_task()
def send_mail_task(mail_ids: list[int]) -> None:
    """The first try of the mails one change queued, as soon as a worker takes it (at once, in
    the caller, in immediate mode)."""
    send_batch(mail_ids)


@db_periodic_task(crontab(minute="*"))
def send_due_mail() -> None:
    """Each minute: the retries that are due, and what a stopped or killed worker left."""
    send_due()
