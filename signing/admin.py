"""Admin pages for signing: trust roots (add a root, switch trust), certificates (revoke, reset a
PIN lockout), and read-only views of requests and signatures. Every change goes through an action."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ecabinet.access import is_system_admin, users_managed_by
from ecabinet.audit import record_audit
from ecabinet.errors import ActionError
from signing import actions
from signing.models import SignatureRecord, SigningCertificate, SigningRequest, TrustRoot


class TrustRootForm(forms.ModelForm):
    cert_file = forms.FileField(label=_("certificate file (PEM or DER)"), required=False)

    class Meta:
        model = TrustRoot
        fields = ["name", "cert_pem", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cert_pem"].required = False


@admin.register(TrustRoot)
class TrustRootAdmin(admin.ModelAdmin):
    form = TrustRootForm
    list_display = ["name", "source", "active", "fingerprint", "created_at"]
    list_filter = ["source", "active"]

    def has_module_permission(self, request):
        return is_system_admin(request.user)

    has_view_permission = has_add_permission = lambda self, request, obj=None: is_system_admin(request.user)  # noqa: E731

    def has_change_permission(self, request, obj=None):
        return is_system_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        # the installation's own CA stays; imported roots are switched off rather than deleted
        return False

    def get_readonly_fields(self, request, obj=None):
        return ["cert_pem", "source", "fingerprint"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            with transaction.atomic():
                obj.save(update_fields=["name", "active"])
                record_audit(actor=request.user, action="signing.trust_root_change", obj=obj,
                             details={"active": obj.active})
            return
        upload = form.cleaned_data.get("cert_file")
        data = upload.read() if upload else (form.cleaned_data.get("cert_pem") or "").encode()
        try:
            root = actions.do_add_trust_root(actor=request.user, pem=data, name=form.cleaned_data.get("name", ""))
        except ActionError as exc:
            messages.error(request, exc.message)
            obj.pk = None
            return
        obj.pk = root.pk


@admin.register(SigningCertificate)
class SigningCertificateAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "serial", "not_after", "revoked_at", "wrong_pin_count", "locked_at"]
    list_filter = ["kind", "issued_here"]
    search_fields = ["user__username", "user__full_name", "serial", "subject"]
    readonly_fields = ["user", "kind", "serial", "subject", "issuer", "not_before", "not_after", "revoked_at",
                       "revocation_reason", "wrong_pin_count", "locked_at", "replaced_at", "cert_pem"]
    exclude = ["key_blob", "chain_pem", "backend_config"]
    actions = ["revoke", "reset_lock"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(user__in=users_managed_by(request.user))

    def has_module_permission(self, request):
        return request.user.is_superuser or request.user.is_unit_admin

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected certificates"))
    def revoke(self, request, queryset):
        for cert in queryset:
            try:
                actions.do_revoke_certificate(cert, actor=request.user, reason=str(_("revoked by an administrator")))
            except ActionError as exc:
                messages.error(request, f"{cert}: {exc.message}")

    @admin.action(description=_("Unlock signing (reset wrong PINs)"))
    def reset_lock(self, request, queryset):
        for cert in queryset:
            try:
                actions.do_reset_pin_lock(cert, actor=request.user)
            except ActionError as exc:
                messages.error(request, f"{cert}: {exc.message}")


class _ReadOnly(admin.ModelAdmin):
    def has_module_permission(self, request):
        return is_system_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_system_admin(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SigningRequest)
class SigningRequestAdmin(_ReadOnly):
    list_display = ["document", "requester", "sequential", "status", "due", "created_at"]
    list_filter = ["status"]


@admin.register(SignatureRecord)
class SignatureRecordAdmin(_ReadOnly):
    list_display = ["document", "signer", "field_name", "level", "signed_at"]
