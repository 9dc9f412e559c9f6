"""Core data: units, people, API tokens, the login log, notifications and the audit chain."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as AuthUserManager
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ecabinet.text import person_search_name


class Unit(models.Model):
    """An organisational unit: the People's Committee, its departments, offices, communes."""

    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("People's Committee")
        DEPARTMENT = "department", _("Department")
        OFFICE = "office", _("Office")
        DISTRICT = "district", _("District")
        COMMUNE = "commune", _("Commune")
        WARD = "ward", _("Ward")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=64, blank=True)
    # Viết tắt tên cơ quan in document numbers ("12/BB-UBND", "05/TB-STC"): Decree 30, appendix III.
    abbreviation = models.CharField(_("abbreviation in document numbers"), max_length=20, blank=True)
    code = models.SlugField(_("code"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name

    def ancestors(self) -> list[Unit]:
        chain: list[Unit] = []
        node = self.parent
        while node is not None and node not in chain:
            chain.append(node)
            node = node.parent
        return chain

    def descendant_ids(self) -> set[int]:
        """Ids of this unit and every unit below it (one query per tree level)."""
        found = {self.pk}
        frontier = [self.pk]
        while frontier:
            frontier = list(
                Unit.objects.filter(parent_id__in=frontier).exclude(pk__in=found).values_list("pk", flat=True)
            )
            found.update(frontier)
        return found


class Position(models.Model):
    """A catalog of positions (Chủ tịch, Phó Chủ tịch, Giám đốc Sở, Chuyên viên...)."""

    name = models.CharField(_("name"), max_length=128, unique=True)
    rank = models.PositiveSmallIntegerField(_("rank"), default=100, help_text=_("Lower ranks are listed first."))

    class Meta:
        ordering = ["rank", "name"]
        verbose_name = _("position")
        verbose_name_plural = _("positions")

    def __str__(self) -> str:
        return self.name


# What `User.search_name` is made of: a write of either must write the search name too.
NAME_FIELDS = frozenset({"full_name", "username"})
SEARCH_NAME_BATCH = 500


class UserQuerySet(models.QuerySet["User"]):
    """Writes that skip `User.save()` still keep `search_name` right: bulk_create and
    bulk_update fill it in, and update() of a name refolds the rows it changed. A write that
    sets `search_name` itself is left alone (the migration's backfill, a test's blank row)."""

    def bulk_create(self, objs: Iterable[User], *args: Any, **kwargs: Any) -> list[User]:
        objs = list(objs)  # a generator would be spent by the loop below
        for obj in objs:
            obj.refresh_search_name()
        conflict_fields = kwargs.get("update_fields")
        if conflict_fields and NAME_FIELDS.intersection(conflict_fields) and "search_name" not in conflict_fields:
            kwargs["update_fields"] = [*conflict_fields, "search_name"]
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs: Iterable[User], fields: Iterable[str], *args: Any, **kwargs: Any) -> int:
        fields = list(fields)
        if NAME_FIELDS.intersection(fields) and "search_name" not in fields:
            objs = list(objs)
            for obj in objs:
                obj.refresh_search_name()
            fields.append("search_name")
        return super().bulk_update(objs, fields, *args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        if "search_name" in kwargs or not NAME_FIELDS.intersection(kwargs):
            return super().update(**kwargs)
        with transaction.atomic(using=self.db, savepoint=False):
            # The rows before the update: a new name may no longer match this filter.
            pks = list(self.values_list("pk", flat=True))
            count = super().update(**kwargs)
            rows = self.model._base_manager.using(self.db)
            for start in range(0, len(pks), SEARCH_NAME_BATCH):  # a bounded IN (SQLite's limit)
                refresh_search_names(rows.filter(pk__in=pks[start:start + SEARCH_NAME_BATCH]))
        return count


def refresh_search_names(users: models.QuerySet[Any]) -> int:
    """Refold `search_name` of `users` from their names, SEARCH_NAME_BATCH rows at a time (the
    backfill of migration 0012 too, with its historical model, hence no method of User)."""
    users = users.order_by("pk").only("pk", "full_name", "username")
    last, written = 0, 0
    while batch := list(users.filter(pk__gt=last)[:SEARCH_NAME_BATCH]):
        for user in batch:
            user.search_name = person_search_name(user.full_name, user.username)
        written += users.model._base_manager.using(users.db).bulk_update(batch, ["search_name"])
        last = batch[-1].pk
    return written


class UserManager(AuthUserManager["User"]):
    """Django's (create_user, create_superuser) over `UserQuerySet`, so that its writes are the
    ones `User.objects` makes."""

    def get_queryset(self) -> UserQuerySet:
        return UserQuerySet(self.model, using=self._db)


class User(AbstractUser):
    class Language(models.TextChoices):
        VIETNAMESE = "vi", "Tiếng Việt"
        ENGLISH = "en", "English"

    full_name = models.CharField(_("full name"), max_length=255)
    position = models.ForeignKey(
        Position, verbose_name=_("position"), null=True, blank=True, on_delete=models.SET_NULL
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=Language.choices, default=Language.VIETNAMESE
    )

    # Web Push categories this person switched off (ecabinet/push.py CATEGORIES); a category not
    # listed is on, so one added later reaches everyone who subscribed a device.
    push_muted = models.JSONField(_("push notifications switched off"), default=list, blank=True)

    class MeetingReminders(models.TextChoices):
        """When this person is reminded of a meeting they are invited to (fn126; the collector
        ``meeting-reminders`` in meetings/meeting_reminders.py reads it)."""

        BOTH = "both", _("A day before and 30 minutes before")
        DAY = "day", _("A day before")
        HALF_HOUR = "half_hour", _("30 minutes before")
        OFF = "off", _("No meeting reminders")

    meeting_reminders = models.CharField(_("meeting reminders"), max_length=16, choices=MeetingReminders.choices,
                                         default=MeetingReminders.BOTH)

    # The full name and the username folded (no marks, no case, "đ" -> "d"; ecabinet.text):
    # what every people lookup matches a question on, folded the same way, so "nguyen" and
    # "NGUYỄN" find "Nguyễn" on SQLite (whose LIKE folds ASCII case only) as on PostgreSQL.
    # Written by save() and by UserQuerySet's bulk writes; no index, `contains` cannot use one.
    search_name = models.TextField(_("name for search"), blank=True, default="", editable=False)

    objects: ClassVar[UserManager] = UserManager()

    REQUIRED_FIELDS = ["email", "full_name"]

    class Meta:
        ordering = ["full_name", "username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        # The rights roles are made of (ecabinet/roles.py); access.py is where they are read.
        permissions = [
            ("create_meeting", "Convene meetings for the units in one's scope"),
            ("run_meeting", "Run the meetings of the units in one's scope (secretary staff)"),
            ("manage_catalogs", "Manage catalogs (meeting types, rooms, document types)"),
            ("issue_certificates", "Issue and revoke signing certificates"),
            ("view_statistics", "See statistics"),
            ("manage_users", "Manage the people of one's unit (unit administrator)"),
            ("issue_documents", "Issue the unit's papers under its number and seal (office clerk)"),
        ]

    # `is_unit_admin` used to be a column; it is now membership of the unit administrator role.
    # Reading and setting it (User(is_unit_admin=True), update_or_create defaults) still works:
    # the change is applied to the groups when the user is saved.
    @property
    def is_unit_admin(self) -> bool:
        pending = self.__dict__.get("_pending_unit_admin")
        if pending is not None:
            return pending
        if self.pk is None:
            return False
        from ecabinet.roles import UNIT_ADMIN, role_name

        return self.groups.filter(name=role_name(UNIT_ADMIN)).exists()

    @is_unit_admin.setter
    def is_unit_admin(self, value: bool) -> None:
        self.__dict__["_pending_unit_admin"] = bool(value)

    def refresh_search_name(self) -> None:
        self.search_name = person_search_name(self.full_name, self.username)

    def save(self, *args, **kwargs) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is None:
            # A row loaded without its names (.only()) saves only what was loaded: its names
            # did not change, and folding them would read them (a query) for nothing.
            if NAME_FIELDS.intersection(self.__dict__):
                self.refresh_search_name()
        else:
            update_fields = list(update_fields)
            if NAME_FIELDS.intersection(update_fields) and "search_name" not in update_fields:
                self.refresh_search_name()
                update_fields.append("search_name")
            kwargs["update_fields"] = update_fields
        super().save(*args, **kwargs)
        pending = self.__dict__.pop("_pending_unit_admin", None)
        if pending is not None:
            from ecabinet.roles import UNIT_ADMIN, set_role

            set_role(self, UNIT_ADMIN, pending)

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username

    def get_short_name(self) -> str:
        return self.full_name.split()[-1] if self.full_name else self.username


class LoginRecord(models.Model):
    """One login attempt, successful or not, through the page or the API."""

    class Channel(models.TextChoices):
        WEB = "web", _("web")
        API = "api", _("API")

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL
    )
    username = models.CharField(_("username tried"), max_length=150)
    success = models.BooleanField(_("success"))
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=512, blank=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices, default=Channel.WEB)
    reason = models.CharField(_("reason"), max_length=64, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("login record")
        verbose_name_plural = _("login log")

    def __str__(self) -> str:
        outcome = _("succeeded") if self.success else _("failed")
        return f"{self.username} {self.at:%Y-%m-%d %H:%M} {outcome}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token; only its SHA-256 is stored, the raw value is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    token_hash = models.CharField(verbose_name=_("token hash"), max_length=64, unique=True)
    prefix = models.CharField(verbose_name=_("prefix"), max_length=12, help_text=_("First characters, to recognise a token."))
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    revoked_at = models.DateTimeField(verbose_name=_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(verbose_name=_("last used at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def new_raw_value() -> str:
        return "ecb_" + secrets.token_urlsafe(32)

    @staticmethod
    def default_expiry() -> datetime:
        return timezone.now() + timedelta(hours=settings.API_TOKEN_LIFETIME_HOURS)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class Notification(models.Model):
    """An in-app notification; email goes out beside it where the user has an address."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(verbose_name=_("kind"), max_length=48)
    title = models.CharField(verbose_name=_("title"), max_length=300)
    body = models.TextField(verbose_name=_("content"), blank=True)
    url = models.CharField(verbose_name=_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(verbose_name=_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"])]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.title


class PushSubscription(models.Model):
    """A device (browser) that receives this person's Web Push notifications.

    The endpoint is the push service's address for the device, the keys encrypt what is sent to
    it (RFC 8291). A subscription the push service reports gone (404/410) is deleted."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="push_subscriptions")
    endpoint = models.CharField(_("push endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(_("device public key"), max_length=100)
    auth = models.CharField(_("device authentication secret"), max_length=40)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_success_at = models.DateTimeField(_("last delivered"), null=True, blank=True)
    failures = models.PositiveIntegerField(_("failures in a row"), default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return f"{self.user} · {self.user_agent[:40] or self.endpoint[:40]}"


class RegisterEntry(models.Model):
    """One line of the document register (sổ đăng ký văn bản đi) of an issuing unit.

    Numbers run per unit, kind and calendar year from 01 (Decree 30/2020/NĐ-CP, art. 15): the
    database refuses a second entry with the same sequence, so a number is never given twice.
    Entries are only added, by ``ecabinet.register.issue_number`` inside the issuing action.
    """

    class Kind(models.TextChoices):
        # Abbreviations of the kinds of administrative documents, Decree 30, appendix III.
        MINUTES = "BB", _("minutes")
        NOTICE = "TB", _("notice")
        INVITATION = "GM", _("invitation")

    unit = models.ForeignKey(Unit, verbose_name=_("issuing unit"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    seq = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("number"), max_length=64)
    title = models.CharField(pgettext_lazy("document register", "summary"), max_length=500)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=pgettext_lazy("document register", "issued by"),
                                  on_delete=models.PROTECT,
                                  related_name="+")

    class Meta:
        ordering = ["unit", "kind", "-year", "-seq"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "kind", "year", "seq"], name="one_number_per_register_line"),
        ]
        verbose_name = _("register entry")
        verbose_name_plural = _("document register")

    def __str__(self) -> str:
        return self.number


class ReminderSent(models.Model):
    """A reminder that went out, by key: the unique key is what makes sending it twice impossible."""

    key = models.CharField(_("key"), max_length=200, unique=True)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")

    def __str__(self) -> str:
        return self.key


class OutgoingMail(models.Model):
    """An e-mail in the outbox (ecabinet/mail.py): written in the transaction of the change that
    sends it, so a committed change never loses its mail and a rolled-back one never sends any."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("outgoing mail", "waiting")
        SENT = "sent", pgettext_lazy("outgoing mail", "sent")
        FAILED = "failed", pgettext_lazy("outgoing mail", "failed")

    kind = models.CharField(_("kind"), max_length=48)
    recipients = models.JSONField(_("recipients"), default=list)
    subject = models.CharField(pgettext_lazy("e-mail", "subject"), max_length=300)
    body = models.TextField(_("content"), blank=True)
    # The same Message-ID on every try: a copy sent again after a worker died between the mail
    # server's acceptance and the row's update is one message to the receiving side.
    message_id = models.CharField(_("message ID"), max_length=200, unique=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    attempt_count = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")

    def __str__(self) -> str:
        return self.subject


class OutgoingMailAttachment(models.Model):
    """A file of an outgoing e-mail (a paper's PDF, a calendar's .ics), kept until it is sent."""

    mail = models.ForeignKey(OutgoingMail, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(max_length=255)
    content = models.BinaryField()
    mimetype = models.CharField(max_length=100)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("outgoing e-mail attachment")
        verbose_name_plural = _("outgoing e-mail attachments")

    def __str__(self) -> str:
        return self.name


class AuditEvent(models.Model):
    """Append-only audit log; each row carries the hash of the row before it.

    `seq` is contiguous from 1, so a deleted row leaves a visible gap even before the hashes
    are checked; `AuditHead` remembers the last row so deleting the tail is caught too.
    """

    seq = models.PositiveBigIntegerField(verbose_name=_("sequence number"), unique=True)
    at = models.DateTimeField(verbose_name=_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(verbose_name=_("actor name"), max_length=255, blank=True)
    action = models.CharField(verbose_name=_("action"), max_length=64, db_index=True)
    object_type = models.CharField(verbose_name=_("object type"), max_length=64, blank=True)
    object_id = models.CharField(verbose_name=_("object ID"), max_length=64, blank=True)
    details = models.JSONField(verbose_name=_("details"), default=dict, blank=True)
    prev_hash = models.CharField(verbose_name=_("previous row hash"), max_length=64)
    row_hash = models.CharField(verbose_name=_("row hash"), max_length=64)

    class Meta:
        ordering = ["seq"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        # --- statistics (issue 12 part 5): who opened a document (an opinion round's "viewed") ---
        indexes = [models.Index(fields=["object_type", "object_id", "actor"], name="audit_object_actor")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """The single row that points at the newest audit event; it is also the append lock."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain heads")

    def __str__(self) -> str:
        return f"audit head #{self.last_seq}"


class IdempotencyKey(models.Model):
    """One change sent with an `Idempotency-Key` header (ecabinet/idempotency.py): the first
    answer, kept so a request sent again (a retry after a drop, the offline queue) is applied once
    and answered the same. Keys belong to one user and expire after IDEMPOTENCY_DAYS."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="+")
    key = models.CharField(_("key"), max_length=100)
    # sha256 of the method, the path and the body: the same key with another request is refused
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    # null while the first request is being answered
    status = models.PositiveSmallIntegerField(_("status"), null=True, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    body = models.BinaryField(_("content"), blank=True, default=b"")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")]
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")

    def __str__(self) -> str:
        return self.key


# --- help, feedback, login log retention (issue 12, parts 6 and 7) ------------------------------

class HelpPage(models.Model):
    """One page of the user guide inside the system (tender fn4), for one audience (a role).

    `topic` links it to pages of the app (ecabinet/help.py TOPICS: the URL names each topic
    covers); the page header's "Help" link opens the topic's page for the viewer's roles. The
    body is the papers' rich-text subset (ecabinet/richtext.py), images and PDFs are HelpFile rows,
    videos are https links (shown as links: the CSP embeds nothing)."""

    class Audience(models.TextChoices):
        # role codes of ecabinet/roles.py, plus everyone
        EVERYONE = "everyone", _("everyone")
        MEMBER = "member", pgettext_lazy("help audience", "members")
        ORGANISER = "organiser", pgettext_lazy("help audience", "secretaries and organisers")
        LEADER = "leader", pgettext_lazy("help audience", "chairs and leaders")
        SYSTEM_ADMIN = "system_admin", pgettext_lazy("help audience", "administrators")

    key = models.SlugField(_("key"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices, default=Audience.EVERYONE)
    topic = models.CharField(_("topic"), max_length=40, db_index=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = models.TextField(_("content"), blank=True)
    videos = models.JSONField(_("video links"), default=list, blank=True)
    position = models.PositiveIntegerField(_("order"), default=100)
    published = models.BooleanField(_("published"), default=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("updated by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["position", "title", "pk"]
        verbose_name = _("help page")
        verbose_name_plural = _("help pages")

    def __str__(self) -> str:
        return self.title


class HelpFile(models.Model):
    """An image or a PDF of a help page, stored in the database (at most HELP_FILE_MAX_MB): the
    guide is small, and a deleted page takes its files with it."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("image")
        PDF = "pdf", "PDF"

    page = models.ForeignKey(HelpPage, verbose_name=_("help page"), on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=40)
    data = models.BinaryField(_("content"))
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    position = models.PositiveIntegerField(_("order"), default=100)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("help file")
        verbose_name_plural = _("help files")

    def __str__(self) -> str:
        return self.title

    @property
    def size_kb(self) -> int:
        return max(1, -(-self.size // 1024))


class TourSeen(models.Model):
    """The first-time tour of the home page was finished or skipped: it is not offered again."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                                related_name="+")
    seen_at = models.DateTimeField(_("seen at"), default=timezone.now)
    finished = models.BooleanField(_("finished the tour"), default=False)

    class Meta:
        verbose_name = _("tour seen")
        verbose_name_plural = _("tours seen")

    def __str__(self) -> str:
        return str(self.user_id)


class Feedback(models.Model):
    """A message from a signed-in person to the operator (tender fn134), with the page it was sent
    from and an optional screenshot (PNG/JPEG) or attachment (PDF), stored in the database."""

    class Status(models.TextChoices):
        NEW = "new", pgettext_lazy("feedback", "new")
        HANDLED = "handled", pgettext_lazy("feedback", "handled")

    sender = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("sender"), on_delete=models.CASCADE,
                               related_name="+")
    subject = models.CharField(_("subject"), max_length=200)
    text = models.TextField(_("message"))
    page = models.CharField(_("page"), max_length=500, blank=True)
    file_kind = models.CharField(_("file kind"), max_length=8, blank=True)  # "", "image", "pdf"
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    file_type = models.CharField(_("content type"), max_length=40, blank=True)
    file_data = models.BinaryField(_("file"), null=True, blank=True)
    file_size = models.PositiveIntegerField(_("size"), default=0)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.NEW)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("handled by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    reply = models.TextField(_("reply"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")

    def __str__(self) -> str:
        return self.subject

    @property
    def file_size_kb(self) -> int:
        return max(1, -(-self.file_size // 1024))


class LoginLogSettings(models.Model):
    """The one row of the login log's retention: entries older than `retention_months` are deleted
    (from the page, and by the scheduled job `send_reminders`)."""

    DEFAULT_MONTHS = 12
    MIN_MONTHS = 1
    MAX_MONTHS = 120

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    retention_months = models.PositiveSmallIntegerField(_("retention in months"), default=DEFAULT_MONTHS)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("updated by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("login log settings")
        verbose_name_plural = _("login log settings")

    def __str__(self) -> str:
        return str(self.retention_months)


# --- the province's platforms (issue 13 part 5): client systems and webhooks ---
from ecabinet.models_integration import (  # noqa: E402,F401  (Django finds the models here)
    ClientSystem,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
