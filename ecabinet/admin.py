"""The admin area: units, people, positions, the login log and the audit chain (read-only)."""

from __future__ import annotations

import json

from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.forms import ModelMultipleChoiceField
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ecabinet.access import (
    can_manage_user,
    grantable_groups,
    is_system_admin,
    managed_unit_ids,
    may_manage_users,
    users_managed_by,
)
from ecabinet.audit import record_audit
from ecabinet.models import (
    ApiToken,
    AuditEvent,
    LoginRecord,
    Notification,
    OutgoingMail,
    Position,
    Unit,
    User,
)
from ecabinet.text import fold

# django-axes names its admin section after the app label ("Axes"); people see what it is for.
apps.get_app_config("axes").verbose_name = _("Sign-in lockout")
# axes' log rows describe themselves in English ("Access Log for … @ …"), which the admin reads
# out as each row's checkbox label; the logs need no bulk actions, so no checkboxes.
for _axes_log in ("AccessLog", "AccessFailureLog"):
    _log_model = apps.get_model("axes", _axes_log)
    if admin.site.is_registered(_log_model):
        admin.site._registry[_log_model].actions = None

_PERMISSION_VERBS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def permission_label(permission: Permission) -> str:
    """A permission in Vietnamese: Django stores its name in English ("Can add meeting") in the
    database, so the label is rebuilt from the model's translated name, or, for our own
    permissions, from the (translatable) name declared in the model's Meta."""
    model = permission.content_type.model_class()
    if model is None:
        return permission.name
    verb, _sep, model_name = permission.codename.partition("_")
    if verb in _PERMISSION_VERBS and model_name == model._meta.model_name:
        return _PERMISSION_VERBS[verb] % {"model": model._meta.verbose_name}
    declared = dict(model._meta.permissions)
    return gettext(str(declared.get(permission.codename, permission.name)))


class PermissionLabels(admin.ModelAdmin):
    """Admin forms listing permissions show them in Vietnamese (see permission_label)."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if isinstance(field, ModelMultipleChoiceField) and db_field.name in ("permissions", "user_permissions"):
            field.label_from_instance = permission_label  # type: ignore[method-assign,assignment]
            # OAuth2 applications and tokens are not administered in the admin (see the end of
            # this module), and the search index is the system's own copy: rights over them
            # would be rights over nothing
            if field.queryset is not None:
                field.queryset = field.queryset.exclude(content_type__app_label="oauth2_provider").exclude(
                    content_type__app_label="meetings", content_type__model__in=("searchentry", "searchpage"))
        return field


class AuditedAdmin(admin.ModelAdmin):
    """Admin edits are state changes too: each save and delete writes an audit row."""

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            record_audit(
                actor=request.user,
                action=f"admin.{obj._meta.model_name}.{'change' if change else 'create'}",
                obj=obj,
                details={"fields": sorted(form.changed_data)},
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            record_audit(actor=request.user, action=f"admin.{obj._meta.model_name}.delete",
                         obj=obj, details={"repr": str(obj)})
            super().delete_model(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class FoldedNameSearch(admin.ModelAdmin):
    """An admin list whose search box also finds people by name without marks or case ("nguyen
    van an" finds "Nguyễn Văn An"), through `User.search_name`, within what the list shows."""

    folded_name_field = "search_name"

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        folded = fold(search_term)
        if folded:
            found = found | queryset.filter(**{f"{self.folded_name_field}__contains": folded})
        return found, may_have_duplicates


class SystemAdminReadOnly(ReadOnlyAdmin):
    """Records only system administrators read, and nobody writes through the admin."""

    def has_module_permission(self, request):
        return is_system_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_system_admin(request.user)


class SystemAdminOnly:
    """Catalogs that shape the whole installation: only system admins touch them."""

    def has_module_permission(self, request):
        return is_system_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return is_system_admin(request.user)

    def has_add_permission(self, request):
        return is_system_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return is_system_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_system_admin(request.user)


@admin.register(Unit)
class UnitAdmin(SystemAdminOnly, AuditedAdmin):
    list_display = ("name", "short_name", "code", "kind", "parent")
    list_filter = ("kind",)
    search_fields = ("name", "short_name", "code")
    autocomplete_fields = ("parent",)


@admin.register(Position)
class PositionAdmin(SystemAdminOnly, AuditedAdmin):
    list_display = ("name", "rank")
    search_fields = ("name",)


@admin.register(User)
class UserAdmin(FoldedNameSearch, PermissionLabels, AuditedAdmin, DjangoUserAdmin):
    list_display = ("username", "full_name", "position", "unit", "is_active", "role_names")
    list_filter = ("is_active", "groups", "is_superuser", "unit")
    search_fields = ("username", "full_name", "email", "phone")
    ordering = ("full_name",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("full_name", "position", "unit", "email", "phone", "preferred_language")}),
        (_("Rights"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "full_name", "unit", "position", "email",
                                                 "password1", "password2")}),
    )

    @admin.display(description=_("Roles"))
    def role_names(self, obj):
        return ", ".join(group.name for group in obj.groups.all())

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("unit", "position").prefetch_related("groups")
        return qs.filter(pk__in=users_managed_by(request.user).values("pk"))

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or is_system_admin(request.user):
            return fieldsets
        # Single rights are for system admins; a unit admin hands out whole roles.
        return tuple((name, {**opts, "fields": tuple(f for f in opts["fields"] if f != "user_permissions")})
                     for name, opts in fieldsets)

    def get_readonly_fields(self, request, obj=None):
        if is_system_admin(request.user):
            return ()
        # A unit admin may not hand out rights they do not hold themselves (see formfield below).
        return ("is_superuser", "is_staff", "last_login", "date_joined")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit" and not is_system_admin(request.user):
            kwargs["queryset"] = Unit.objects.filter(pk__in=managed_unit_ids(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["queryset"] = grantable_groups(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        # Roles the editor may not grant are not in their form; saving it must not drop them.
        kept = list(form.instance.groups.exclude(pk__in=grantable_groups(request.user))) if change else []
        super().save_related(request, form, formsets, change)
        if kept:
            form.instance.groups.add(*kept)

    def has_module_permission(self, request):
        return may_manage_users(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return self.has_module_permission(request)
        return can_manage_user(request.user, obj)

    has_delete_permission = has_change_permission


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(PermissionLabels, DjangoGroupAdmin):
    pass


# Codes written by ecabinet/signals.py; the log shows people what happened, not the code.
LOGIN_REASONS = {
    "invalid_credentials": _("wrong username or password"),
    "locked_out": _("locked out after too many failed sign-ins"),
}


class LoginReasonFilter(admin.SimpleListFilter):
    title = _("reason")
    parameter_name = "reason"

    def lookups(self, request, model_admin):
        return list(LOGIN_REASONS.items())

    def queryset(self, request, queryset):
        return queryset.filter(reason=self.value()) if self.value() else queryset


@admin.register(LoginRecord)
class LoginRecordAdmin(FoldedNameSearch, ReadOnlyAdmin):
    folded_name_field = "user__search_name"
    list_display = ("at", "username", "user", "success", "ip_address", "channel", "reason_label")
    list_filter = ("success", "channel", LoginReasonFilter, ("at", admin.DateFieldListFilter))
    search_fields = ("username", "ip_address", "user__full_name")
    date_hierarchy = "at"
    fields = ("at", "username", "user", "success", "ip_address", "user_agent", "channel", "reason_label")
    readonly_fields = ("reason_label",)

    @admin.display(description=_("reason"), ordering="reason")
    def reason_label(self, obj: LoginRecord) -> str:
        return str(LOGIN_REASONS.get(obj.reason, obj.reason))

    def has_module_permission(self, request):
        return may_manage_users(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("user")
        if is_system_admin(request.user):
            return qs
        return qs.filter(user__unit_id__in=managed_unit_ids(request.user))


@admin.register(AuditEvent)
class AuditEventAdmin(SystemAdminReadOnly):
    list_display = ("seq", "at", "actor_name", "action_code", "object_type", "object_id")
    fields = ("seq", "at", "actor", "actor_name", "action", "object_type", "object_id", "details_code",
              "prev_hash", "row_hash")
    readonly_fields = ("actor_name", "details_code")

    # The details are machine data (keys, hashes, serials), shown as code.
    @admin.display(description=_("details"))
    def details_code(self, obj: AuditEvent):
        return format_html("<pre><code>{}</code></pre>", json.dumps(obj.details, ensure_ascii=False, indent=2))

    # record_audit stores "system" for rows no person caused; people read it in their language.
    @admin.display(description=_("actor name"), ordering="actor_label")
    def actor_name(self, obj: AuditEvent) -> str:
        return str(_("system")) if obj.actor_id is None and obj.actor_label == "system" else obj.actor_label

    # The action is an identifier people search and filter by, shown as code, not as prose.
    @admin.display(description=_("action"), ordering="action")
    def action_code(self, obj: AuditEvent):
        return format_html("<code>{}</code>", obj.action)
    list_filter = ("action",)
    search_fields = ("actor_label", "action", "object_id")


@admin.register(ApiToken)
class ApiTokenAdmin(SystemAdminReadOnly):
    list_display = ("prefix", "user", "created_at", "expires_at", "revoked_at", "last_used_at")
    search_fields = ("prefix", "user__username", "user__full_name")


@admin.register(Notification)
class NotificationAdmin(SystemAdminReadOnly):
    list_display = ("created_at", "user", "kind", "title", "read_at")


@admin.register(OutgoingMail)
class OutgoingMailAdmin(SystemAdminReadOnly):
    """The outbox (ecabinet/mail.py): what was sent, what waits for its next try, what failed."""

    list_display = ("created_at", "kind", "subject", "status", "attempt_count", "next_attempt_at", "sent_at")
    list_filter = ("status", "kind")
    exclude = ("body",)  # a mail's text may hold what only its recipient may read
    readonly_fields = ("recipients", "subject", "kind", "message_id", "status", "attempt_count", "last_error",
                       "created_at", "next_attempt_at", "sent_at")


# --- the province's platforms (issue 13 part 5) ---
# OAuth2 applications and tokens are client systems, managed on /integration/ through audited
# actions (a secret shown once, tokens revoked with the system); Django's admin would edit them
# around those rules, so django-oauth-toolkit's admin pages are not offered.
def _unregister_oauth2_admin() -> None:
    from oauth2_provider.models import (
        get_access_token_model,
        get_application_model,
        get_grant_model,
        get_id_token_model,
        get_refresh_token_model,
    )

    for model in (get_application_model(), get_access_token_model(), get_grant_model(), get_id_token_model(),
                  get_refresh_token_model()):
        if admin.site.is_registered(model):
            admin.site.unregister(model)


_unregister_oauth2_admin()
