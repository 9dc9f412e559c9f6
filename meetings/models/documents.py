"""Meeting documents and their immutable versions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["Document", "DocumentVersion"]


def version_upload_path(instance: DocumentVersion, filename: str) -> str:
    # Content-addressed names: a new version never lands on an existing file.
    return f"documents/{instance.sha256[:2]}/{instance.sha256}-{instance.document_id}-v{instance.number}.pdf"


class Document(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting approval")
        RELEASED = "released", _("released")
        RETURNED = "returned", _("sent back")

    meeting = models.ForeignKey(
        "meetings.Meeting", null=True, blank=True, on_delete=models.CASCADE, related_name="documents"
    )
    agenda_item = models.ForeignKey(
        "meetings.AgendaItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    title = models.CharField(_("title"), max_length=500)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    return_reason = models.TextField(_("reason for sending back"), blank=True)
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

    class Meta:
        ordering = ["document", "number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="one_version_number_per_document"),
        ]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"
