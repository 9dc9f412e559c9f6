"""Roles in the admin: the groups and their default rights, who may grant which role, and the
demo users' roles."""

from __future__ import annotations

from io import StringIO

from django.contrib.auth.models import Group
from django.core.management import call_command

from ecabinet.access import convening_unit_ids, global_permissions, may_create_meetings
from ecabinet.models import Unit, User
from ecabinet.roles import (
    GUEST,
    LEADER,
    ORGANISER,
    ROLES,
    SYSTEM_ADMIN,
    UNIT_ADMIN,
    assign_roles,
    ensure_roles,
    role_name,
)
from tests.kit.cases import BaseTestCase
from tests.kit.users import make_user


def change_form_data(user: User, groups: list[int]) -> dict:
    return {"username": user.username, "full_name": user.full_name, "unit": user.unit_id, "email": user.email,
            "preferred_language": "vi", "is_active": "on", "groups": groups}


class RoleGroupTests(BaseTestCase):
    def test_migration_made_every_role_with_its_default_rights(self):
        for code, (name, rights) in ROLES.items():
            group = Group.objects.get(name=name)
            held = set(group.permissions.values_list("codename", flat=True))
            self.assertTrue(set(rights) <= held, code)
        self.assertEqual(set(Group.objects.get(name=role_name(GUEST)).permissions.all()), set())

    def test_ensure_roles_keeps_rights_an_administrator_added(self):
        guest = Group.objects.get(name=role_name(GUEST))
        guest.permissions.add(*Group.objects.get(name=role_name(LEADER)).permissions.all())
        ensure_roles()
        self.assertEqual(list(guest.permissions.values_list("codename", flat=True)), ["view_statistics"])
        self.assertEqual(Group.objects.filter(name__in=[n for n, _ in ROLES.values()]).count(), len(ROLES))

    def test_global_permissions_per_role(self):
        guest = make_user("khach", unit=self.committee, roles=(GUEST,))
        self.assertFalse(any(global_permissions(guest).values()))
        organiser = make_user("tochuc", unit=self.committee, roles=(ORGANISER,))
        flags = global_permissions(organiser)
        self.assertTrue(flags["create_meeting"] and flags["view_statistics"])
        self.assertFalse(flags["manage_catalogs"] or flags["issue_certificates"] or flags["administer"])
        self.assertTrue(all(global_permissions(self.admin).values()))
        # Without a unit, a right reaches nowhere (except for a system admin).
        self.assertFalse(may_create_meetings(make_user("lơlửng", roles=(ORGANISER,))))

    def test_pages_show_administration_only_to_administrators(self):
        guest = make_user("khach", unit=self.committee, roles=(GUEST,))
        self.assertNotContains(self.client_for(guest).get("/"), "/admin/")
        unit_admin = make_user("qtdv", unit=self.department, roles=(UNIT_ADMIN,), is_staff=True)
        self.assertContains(self.client_for(unit_admin).get("/"), "/admin/")


class GrantingRolesTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.unit_admin = make_user("qtdv", unit=cls.department, roles=(UNIT_ADMIN,), is_staff=True)
        cls.groups = {code: Group.objects.get(name=name) for code, (name, _) in ROLES.items()}

    def test_unit_admin_cannot_grant_a_role_with_rights_they_lack(self):
        client = self.client_for(self.unit_admin)
        form = client.get(f"/admin/ecabinet/user/{self.member.pk}/change/")
        offered = set(form.context["adminform"].form.fields["groups"].queryset)
        self.assertNotIn(self.groups[ORGANISER], offered)  # no create_meeting of their own
        self.assertNotIn(self.groups[SYSTEM_ADMIN], offered)
        self.assertIn(self.groups[LEADER], offered)
        self.assertNotContains(form, 'name="user_permissions"')
        response = client.post(f"/admin/ecabinet/user/{self.member.pk}/change/",
                               change_form_data(self.member, [self.groups[ORGANISER].pk]))
        self.assertEqual(response.status_code, 200)  # the form refuses the choice
        self.assertFalse(self.member.groups.exists())
        self.assertFalse(may_create_meetings(User.objects.get(pk=self.member.pk)))

    def test_unit_admin_who_is_an_organiser_may_make_organisers_of_their_unit_only(self):
        assign_roles(self.unit_admin, ORGANISER)
        client = self.client_for(self.unit_admin)
        response = client.post(f"/admin/ecabinet/user/{self.member.pk}/change/",
                               change_form_data(self.member, [self.groups[ORGANISER].pk]))
        self.assertEqual(response.status_code, 302, response.content[:2000])
        self.assertTrue(may_create_meetings(User.objects.get(pk=self.member.pk)))
        # Someone of another unit is out of reach.
        response = client.post(f"/admin/ecabinet/user/{self.outsider.pk}/change/",
                               change_form_data(self.outsider, [self.groups[ORGANISER].pk]))
        self.assertIn(response.status_code, (302, 403))
        self.assertFalse(self.outsider.groups.exists())

    def test_saving_keeps_roles_the_editor_could_not_grant(self):
        assign_roles(self.member, ORGANISER)
        client = self.client_for(self.unit_admin)
        response = client.post(f"/admin/ecabinet/user/{self.member.pk}/change/",
                               change_form_data(self.member, [self.groups[LEADER].pk]))
        self.assertEqual(response.status_code, 302, response.content[:2000])
        names = set(User.objects.get(pk=self.member.pk).groups.values_list("name", flat=True))
        self.assertEqual(names, {role_name(ORGANISER), role_name(LEADER)})

    def test_members_and_guests_do_not_reach_the_catalogs(self):
        member = make_user("tv", unit=self.department, is_staff=True)
        self.assertEqual(self.client_for(member).get("/admin/meetings/meetingtype/").status_code, 403)
        self.assertEqual(self.client_for(self.unit_admin).get("/admin/meetings/meetingtype/").status_code, 200)


class SeedRolesTests(BaseTestCase):
    def test_demo_users_get_their_roles(self):
        call_command("seed_demo", "--password", "demo-1234", stdout=StringIO())
        call_command("seed_demo", "--password", "demo-1234", stdout=StringIO())  # safe twice
        users = {u.username: u for u in User.objects.prefetch_related("groups")}

        def roles(name):
            return set(users[name].groups.values_list("name", flat=True))

        self.assertEqual(roles("admin"), {role_name(SYSTEM_ADMIN)})
        self.assertEqual(roles("secretary"), {role_name(ORGANISER), role_name(UNIT_ADMIN)})
        self.assertEqual(roles("chair"), {role_name(LEADER)})
        self.assertEqual(roles("guest"), {role_name(GUEST)})
        self.assertTrue(users["secretary"].is_unit_admin)
        self.assertFalse(may_create_meetings(users["guest"]))
        self.assertFalse(may_create_meetings(users["member3"]))
        province = Unit.objects.get(code="ubnd-tinh")
        self.assertIn(province.pk, convening_unit_ids(users["secretary"]))


class MeEndpointTests(BaseTestCase):
    def test_me_reports_what_the_person_may_do(self):
        guest = make_user("khach", unit=self.committee, roles=(GUEST,))
        self.assertFalse(self.api("get", "/api/v1/me", user=guest).json()["permissions"]["create_meeting"])
        data = self.api("get", "/api/v1/me", user=self.owner).json()
        self.assertTrue(data["permissions"]["create_meeting"])
        self.assertFalse(data["is_system_admin"])
        self.assertTrue(self.api("get", "/api/v1/me", user=self.admin).json()["permissions"]["manage_users"])
        self.assert_error(self.api("get", "/api/v1/me"), 401)
