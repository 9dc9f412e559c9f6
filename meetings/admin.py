"""Admin for the meeting catalogs: system admins manage all; unit admins those of their units."""

from __future__ import annotations

from django.contrib import admin

from ecabinet.access import catalog_unit_ids, is_system_admin, may_manage_catalogs
from ecabinet.admin import AuditedAdmin
from ecabinet.models import Unit
from meetings.models import IssuingBody, MeetingRoom, MeetingType


class UnitCatalogAdmin(AuditedAdmin):
    """Rows with a unit: a unit admin sees and edits only their units' rows (shared rows read-only)."""

    def _may(self, request) -> bool:
        return may_manage_catalogs(request.user)

    def has_module_permission(self, request):
        return self._may(request)

    def has_view_permission(self, request, obj=None):
        return self._may(request)

    def has_add_permission(self, request):
        return self._may(request)

    def has_change_permission(self, request, obj=None):
        if not self._may(request):
            return False
        if obj is None or is_system_admin(request.user):
            return True
        return obj.unit_id is not None and obj.unit_id in catalog_unit_ids(request.user)

    has_delete_permission = has_change_permission

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("unit")
        if is_system_admin(request.user):
            return qs
        from django.db.models import Q

        return qs.filter(Q(unit_id__in=catalog_unit_ids(request.user)) | Q(unit__isnull=True))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit" and not is_system_admin(request.user):
            kwargs["queryset"] = Unit.objects.filter(pk__in=catalog_unit_ids(request.user))
            kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(MeetingType)
class MeetingTypeAdmin(UnitCatalogAdmin):
    list_display = ("name", "unit", "regular", "documents_due_working_days", "absence_needs_approval", "active")
    list_filter = ("active", "regular", "absence_needs_approval")
    search_fields = ("name",)


@admin.register(MeetingRoom)
class MeetingRoomAdmin(UnitCatalogAdmin):
    list_display = ("name", "unit", "capacity", "seat_rows", "seats_per_row", "active")
    list_filter = ("active",)
    search_fields = ("name", "address")


@admin.register(IssuingBody)
class IssuingBodyAdmin(AuditedAdmin):
    list_display = ("name", "short_name", "active")
    search_fields = ("name", "short_name")

    def has_module_permission(self, request):
        return may_manage_catalogs(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return is_system_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return is_system_admin(request.user)

    has_delete_permission = has_change_permission
