"""Meeting documents and their immutable versions, folders and types, personal notes, and
written-opinion rounds (lấy ý kiến bằng văn bản)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = [
    "Document", "DocumentVersion", "DocumentFolder", "DocumentType", "PersonalNote",
    "OpinionRound", "OpinionRecipient", "OpinionAnswer",
]


def version_upload_path(instance: DocumentVersion, filename: str) -> str:
    # Content-addressed names: a new version never lands on an existing file.
    return f"documents/{instance.sha256[:2]}/{instance.sha256}-{instance.document_id}-v{instance.number}.pdf"


def source_upload_path(instance: DocumentVersion, filename: str) -> str:
    # Beside the PDF made of it, under the same content-addressed name.
    return (f"documents/{instance.sha256[:2]}/{instance.sha256}-{instance.document_id}-v{instance.number}"
            f"-source.{instance.source_type or 'bin'}")


class DocumentType(models.Model):
    """Catalog: Tờ trình, Dự thảo Quyết định, Báo cáo... (global when `unit` is empty)."""

    name = models.CharField(_("name"), max_length=255)
    code = models.SlugField(_("code"), max_length=64, unique=True)
    unit = models.ForeignKey("ecabinet.Unit", null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")

    class Meta:
        ordering = ["name"]
        verbose_name = _("document type")
        verbose_name_plural = _("document types")

    def __str__(self) -> str:
        return self.name


class DocumentFolder(models.Model):
    """A folder inside one meeting's documents (e.g. "Tài liệu chung", "Tài liệu mật")."""

    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.CASCADE, related_name="document_folders")
    name = models.CharField(_("name"), max_length=255)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "name"], name="one_folder_name_per_meeting"),
        ]
        verbose_name = _("document folder")
        verbose_name_plural = _("document folders")

    def __str__(self) -> str:
        return self.name


class Document(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting approval")
        RELEASED = "released", _("released")
        RETURNED = "returned", _("sent back")
        WITHDRAWN = "withdrawn", _("withdrawn")

    meeting = models.ForeignKey(
        "meetings.Meeting", null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    agenda_item = models.ForeignKey(
        "meetings.AgendaItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    folder = models.ForeignKey(DocumentFolder, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="documents")
    doc_type = models.ForeignKey(DocumentType, verbose_name=_("document type"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(_("title"), max_length=500)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    return_reason = models.TextField(_("reason for sending back"), blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    confidential = models.BooleanField(_("confidential"), default=False)
    # For confidential documents: the only people (beside those running the meeting) who see it.
    readers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.title


class DocumentVersion(models.Model):
    """One immutable version; a signature or a replacement adds a version, never edits one."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    file = models.FileField(upload_to=version_upload_path, max_length=300)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    pages = models.PositiveIntegerField()
    original_name = models.CharField(max_length=255, blank=True)
    note = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # The office document (.docx, .odt, ...) this version's PDF was converted from, kept as uploaded.
    source_file = models.FileField(upload_to=source_upload_path, max_length=300, blank=True)
    source_name = models.CharField(max_length=255, blank=True)
    source_type = models.CharField(max_length=10, blank=True)  # the extension: docx, odt, rtf, ...
    source_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        ordering = ["document", "number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="one_version_number_per_document"),
        ]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"


class PersonalNote(models.Model):
    """A private note of one user on a meeting or on one page of a document. Nobody else sees it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="personal_notes")
    meeting = models.ForeignKey("meetings.Meeting", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+")
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    page = models.PositiveIntegerField(_("page"), null=True, blank=True)
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["user", "meeting"])]
        verbose_name = _("personal note")
        verbose_name_plural = _("personal notes")

    def __str__(self) -> str:
        return self.text[:60]


class OpinionRound(models.Model):
    """A written-opinion round on a draft: the people asked answer agree / disagree / other."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    title = models.CharField(_("title"), max_length=500)
    question = models.TextField(_("question"))
    meeting = models.ForeignKey("meetings.Meeting", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="opinion_rounds")
    unit = models.ForeignKey("ecabinet.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    draft = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="opinion_rounds")
    deadline = models.DateTimeField(_("deadline"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("written-opinion round")
        verbose_name_plural = _("written-opinion rounds")

    def __str__(self) -> str:
        return self.title

    @property
    def accepts_answers(self) -> bool:
        return self.status == self.Status.OPEN and timezone.now() < self.deadline

    @classmethod
    def accepting_answers(cls, now: datetime | None = None) -> models.Q:
        """`accepts_answers` as a filter (the to-do's opinions due): open and before its deadline."""
        return models.Q(status=cls.Status.OPEN, deadline__gt=now or timezone.now())


class OpinionRecipient(models.Model):
    round = models.ForeignKey(OpinionRound, on_delete=models.CASCADE, related_name="recipients")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("opinion recipient")
        verbose_name_plural = _("opinion recipients")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["round", "user"], name="one_recipient_per_round")]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.user_id}"


class OpinionAnswer(models.Model):
    class Choice(models.TextChoices):
        AGREE = "agree", _("Agree")
        DISAGREE = "disagree", _("Disagree")
        OTHER = "other", _("Other opinion")

    round = models.ForeignKey(OpinionRound, on_delete=models.CASCADE, related_name="answers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(_("answer"), max_length=16, choices=Choice.choices)
    comment = models.TextField(_("comment"), blank=True)
    attachment = models.ForeignKey(Document, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(default=timezone.now)
    changes = models.PositiveIntegerField(default=0)
    # The answer signed by the person answering (signing/actions/opinions.py): a document without
    # meeting, one version per signature. signed_at is cleared when the answer changes afterwards.
    signed_document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("written opinion")
        verbose_name_plural = _("written opinions")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["round", "user"], name="one_answer_per_person")]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.user_id} {self.choice}"
