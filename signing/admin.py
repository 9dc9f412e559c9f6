"""Admin pages for signing: trust roots (add a root, switch trust), remote signing services (the
catalogue users pick from), certificates (revoke, reset a PIN lockout), and read-only views of
requests and signatures. Every change goes through an action."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ecabinet.access import (
    certificate_holders_for,
    is_system_admin,
    may_issue_certificates,
    unit_ids_with_right,
)
from ecabinet.admin import SystemAdminOnly
from ecabinet.audit import record_audit
from ecabinet.errors import ActionError
from signing import actions
from signing.models import (
    SignatureRecord,
    SigningCertificate,
    SigningRequest,
    SigningService,
    TrustRoot,
    UnitCertificate,
)


class TrustRootForm(forms.ModelForm):
    cert_file = forms.FileField(label=_("certificate file (PEM or DER)"), required=False)

    class Meta:
        model = TrustRoot
        fields = ["name", "cert_pem", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # On the change form the certificate is read-only and not a form field at all.
        if "cert_pem" in self.fields:
            self.fields["cert_pem"].required = False


@admin.register(TrustRoot)
class TrustRootAdmin(admin.ModelAdmin):
    form = TrustRootForm
    list_display = ["name", "source", "active", "fingerprint", "created_at"]
    list_filter = ["source", "active"]

    def has_module_permission(self, request):
        return is_system_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_system_admin(request.user)

    def has_add_permission(self, request, obj=None):
        return is_system_admin(request.user)

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


class _RegisterForm(forms.Form):
    user: forms.ModelChoiceField = forms.ModelChoiceField(queryset=None, label=_("person"))

    def __init__(self, *args, managed=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = managed.filter(is_active=True).order_by("full_name", "username")


class RegisterTokenForm(_RegisterForm):
    token_label = forms.CharField(label=_("token label"), max_length=128)
    key_label = forms.CharField(label=_("key label"), max_length=128)
    module_path = forms.CharField(label=_("PKCS#11 module"), max_length=500, required=False,
                                  help_text=_("Leave empty to use the server's module (SIGNING_PKCS11_MODULE)."))


class RegisterRemoteForm(_RegisterForm):
    service = forms.ModelChoiceField(queryset=SigningService.objects.filter(active=True),
                                     label=_("remote signing service"))
    credential_id = forms.CharField(label=_("credential identifier"), max_length=255)
    access_token = forms.CharField(label=_("access token"), widget=forms.PasswordInput, max_length=4096,
                                   help_text=_("Used once to read the certificate from the service; never stored."))


class SigningServiceForm(forms.ModelForm):
    base_url = forms.URLField(label=_("base address"), max_length=500, assume_scheme="https",
                              help_text=_("The address before /csc/v1/…, for example https://ky-so.example.vn"))
    oauth_token_url = forms.URLField(label=_("OAuth token address"), max_length=500, required=False,
                                     assume_scheme="https")

    class Meta:
        model = SigningService
        fields = ["name", "base_url", "api_version", "oauth_token_url", "oauth_client_id", "active"]

    def _address(self, field: str) -> str:
        from django.core.exceptions import ValidationError

        from signing.backends import validate_service_url

        value = self.cleaned_data.get(field) or ""
        if not value:
            return value
        try:
            return validate_service_url(value)
        except ActionError as exc:
            raise ValidationError(exc.message) from None

    def clean_base_url(self):
        return self._address("base_url")

    def clean_oauth_token_url(self):
        return self._address("oauth_token_url")


@admin.register(SigningService)
class SigningServiceAdmin(SystemAdminOnly, admin.ModelAdmin):
    """The catalogue of remote signing services: only system administrators choose the addresses
    the server may call. Switched off rather than deleted (certificates refer to them)."""

    form = SigningServiceForm
    list_display = ["name", "base_url", "api_version", "active", "created_at"]
    list_filter = ["active", "api_version"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            actions.do_save_signing_service(obj, actor=request.user)
        except ActionError as exc:
            messages.error(request, exc.message)


@admin.register(SigningCertificate)
class SigningCertificateAdmin(admin.ModelAdmin):
    change_list_template = "signing/admin/certificate_change_list.html"

    list_display = ["user", "kind", "serial", "not_after", "revoked_at", "wrong_pin_count", "locked_at"]
    list_filter = ["kind", "issued_here"]
    search_fields = ["user__username", "user__full_name", "serial", "subject"]
    readonly_fields = ["user", "kind", "serial", "subject", "issuer", "not_before", "not_after", "revoked_at",
                       "revocation_reason", "wrong_pin_count", "locked_at", "replaced_at", "cert_pem"]
    exclude = ["key_blob", "chain_pem", "backend_config"]
    actions = ["revoke", "reset_lock"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(user__in=certificate_holders_for(request.user))

    def has_module_permission(self, request):
        return may_issue_certificates(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        from django.urls import path

        own = [
            path("register-token/", self.admin_site.admin_view(self.register_token),
                 name="signing_signingcertificate_register_token"),
            path("register-remote/", self.admin_site.admin_view(self.register_remote),
                 name="signing_signingcertificate_register_remote"),
        ]
        return own + super().get_urls()

    def register_token(self, request):
        return self._register(request, RegisterTokenForm, _("Register a key on a token or HSM (PKCS#11)"),
                              lambda data, holder: actions.do_register_pkcs11(
                                  holder, actor=request.user, token_label=data["token_label"],
                                  key_label=data["key_label"], module_path=data["module_path"] or None))

    def register_remote(self, request):
        return self._register(request, RegisterRemoteForm, _("Register a remote signing service credential (CSC)"),
                              lambda data, holder: actions.do_register_csc(
                                  holder, data["service"], actor=request.user,
                                  credential_id=data["credential_id"], access_token=data["access_token"]))

    def _register(self, request, form_class, title, register):
        """Read the certificate from the token / service for a person the admin manages."""
        from django.core.exceptions import PermissionDenied
        from django.shortcuts import redirect
        from django.template.response import TemplateResponse

        if not self.has_module_permission(request):
            raise PermissionDenied
        managed = certificate_holders_for(request.user)
        form = form_class(request.POST or None, managed=managed)
        if request.method == "POST" and form.is_valid():
            try:
                cert = register(form.cleaned_data, form.cleaned_data["user"])
            except ActionError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The certificate of %(name)s was registered: %(subject)s")
                                 % {"name": cert.user.full_name or cert.user.username, "subject": cert.subject})
                return redirect("admin:signing_signingcertificate_changelist")
        context = {**self.admin_site.each_context(request), "title": title, "form": form,
                   "opts": self.model._meta}
        return TemplateResponse(request, "signing/admin/register_certificate.html", context,
                                status=400 if form.errors else 200)

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


@admin.register(UnitCertificate)
class UnitCertificateAdmin(admin.ModelAdmin):
    """The units' organisation certificates (issue them and their seal images on the page
    /signing/units/); the key is never shown."""

    list_display = ["unit", "serial", "not_after", "issued_by", "created_at", "revoked_at", "replaced_at"]
    search_fields = ["unit__name", "serial", "subject"]
    readonly_fields = ["unit", "serial", "subject", "issuer", "not_before", "not_after", "issued_by", "created_at",
                       "revoked_at", "revocation_reason", "replaced_at", "cert_pem"]
    exclude = ["key_blob", "chain_pem"]
    actions = ["revoke"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(unit_id__in=unit_ids_with_right(request.user, "issue_certificates"))

    def has_module_permission(self, request):
        return may_issue_certificates(request.user)

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
                actions.do_revoke_unit_certificate(cert, actor=request.user,
                                                   reason=str(_("revoked by an administrator")))
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
