"""`User.search_name`: the full name and username folded (no marks, no case, "đ" -> "d"), what
every people lookup matches on. It is right after every way a name is written (save, with or
without update_fields, bulk_create, bulk_update, QuerySet.update, update_or_create), and the
migration that added it filled it in for the people already there."""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from unittest import mock

from django.apps import apps
from django.db import connection

import meetings.search.text
from ecabinet import text
from ecabinet.models import User
from ecabinet.roles import UNIT_ADMIN
from tests.kit.cases import BaseTestCase
from tests.kit.users import make_user

migration = importlib.import_module("ecabinet.migrations.0013_user_search_name")


def stored(user: User) -> str:
    return User.objects.values_list("search_name", flat=True).get(pk=user.pk)


class SearchNameTests(BaseTestCase):
    def test_one_fold_for_the_search_and_the_people(self):
        self.assertIs(meetings.search.text.fold, text.fold)
        self.assertEqual(text.person_search_name("Đặng Văn An", "an.dang"), "dang van an | an dang")
        self.assertEqual(text.person_search_name("NGUYỄN Thị Ánh", "Anh_NT"), "nguyen thi anh | anh_nt")

    def test_every_save_writes_it(self):
        user = make_user("an.nguyen", full_name="Nguyễn Văn An")
        self.assertEqual(stored(user), "nguyen van an | an nguyen")
        user.full_name = "Đỗ Thị Hoa"
        user.save(update_fields=["full_name"])
        self.assertEqual(stored(user), "do thi hoa | an nguyen")
        user.username = "hoa.do"
        user.save(update_fields=("username",))  # any iterable of names
        self.assertEqual(stored(user), "do thi hoa | hoa do")
        user.full_name = "Đỗ Thị Hồng"
        user.save()
        self.assertEqual(stored(user), "do thi hong | hoa do")

    def test_a_save_of_other_fields_reads_no_name(self):
        user = make_user("an.nguyen", full_name="Nguyễn Văn An")
        row = User.objects.only("pk", "push_muted").get(pk=user.pk)
        row.push_muted = ["meetings"]
        with self.assertNumQueries(1):  # the UPDATE alone: the names are not loaded to be folded
            row.save(update_fields=["push_muted"])
        row = User.objects.only("pk", "meeting_reminders").get(pk=user.pk)
        row.meeting_reminders = User.MeetingReminders.OFF
        with self.assertNumQueries(1):
            row.save()
        self.assertEqual(stored(user), "nguyen van an | an nguyen")

    def test_bulk_writes_and_updates_keep_it(self):
        made = User.objects.bulk_create(User(username=f"dai.bieu{n}", full_name=f"Đại Biểu Số {n}")
                                        for n in range(3))  # a generator too
        self.assertEqual([stored(u) for u in made], [f"dai bieu so {n} | dai bieu{n}" for n in range(3)])
        for user in made:
            user.full_name = user.full_name.replace("Đại Biểu", "Ủy Viên")
        User.objects.bulk_update(made, ["full_name"])
        self.assertEqual([stored(u) for u in made], [f"uy vien so {n} | dai bieu{n}" for n in range(3)])
        # the filter names the old name: the rows it changed are refolded all the same
        self.assertEqual(User.objects.filter(full_name="Ủy Viên Số 0").update(full_name="Trưởng Đoàn"), 1)
        self.assertEqual(stored(made[0]), "truong doan | dai bieu0")
        User.objects.filter(pk=made[1].pk).update(username="uyvien1")
        self.assertEqual(stored(made[1]), "uy vien so 1 | uyvien1")
        # an update of something else leaves it alone (and reads nothing more)
        with self.assertNumQueries(1):
            User.objects.filter(pk=made[2].pk).update(is_active=False)
        self.assertEqual(stored(made[2]), "uy vien so 2 | dai bieu2")

    def test_update_or_create_as_the_demo_seed_does(self):
        user, _ = User.objects.update_or_create(username="seeded", defaults={"full_name": "Lê Văn Đầu"})
        self.assertEqual(stored(user), "le van dau | seeded")
        User.objects.update_or_create(username="seeded", defaults={"full_name": "Lê Văn Đổi"})
        self.assertEqual(stored(user), "le van doi | seeded")


class BackfillTests(BaseTestCase):
    def test_the_migration_fills_in_every_blank_row(self):
        people = [make_user(f"nguoi{n}", full_name=f"Người Cũ Số {n}") for n in range(5)]
        User.objects.update(search_name="")  # as the rows were when the column was added
        self.assertEqual(set(User.objects.values_list("search_name", flat=True)), {""})
        with mock.patch("ecabinet.models.SEARCH_NAME_BATCH", 2):  # several batches
            migration.backfill_search_names(apps, SimpleNamespace(connection=connection))
        self.assertEqual([stored(u) for u in people], [f"nguoi cu so {n} | nguoi{n}" for n in range(5)])
        self.assertEqual(stored(self.owner), "nguyen van chu | owner")
        self.assertFalse(User.objects.filter(search_name="").exists())


class AdminSearchTests(BaseTestCase):
    """The admin's people list and its login log find names typed without marks or case, within
    what the searcher may see (a unit's administrator: their unit's people only)."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.phung = make_user("an.phung", unit=cls.department, full_name="Phùng Khắc Khoan")
        cls.elsewhere = make_user("binh.phung", unit=cls.other_unit, full_name="Phùng Thị Bình")
        cls.unit_admin = make_user("quantri", unit=cls.department, full_name="Đỗ Quản Trị", roles=(UNIT_ADMIN,), is_staff=True)

    def found(self, user: User, term: str) -> set[str]:
        response = self.client_for(user).get("/admin/ecabinet/user/", {"q": term})
        self.assertEqual(response.status_code, 200)
        return {u.username for u in response.context["cl"].result_list}

    def test_a_name_typed_without_marks_finds_the_person(self):
        self.assertEqual(self.found(self.admin, "phung khac"), {"an.phung"})
        self.assertEqual(self.found(self.admin, "PHUNG"), {"an.phung", "binh.phung"})
        self.assertEqual(self.found(self.admin, "Phùng Khắc"), {"an.phung"})  # with the marks as before
        self.assertEqual(self.found(self.admin, "phung tran"), set())

    def test_a_unit_administrator_finds_only_their_units_people(self):
        self.assertEqual(self.found(self.unit_admin, "phung"), {"an.phung"})

    def test_the_login_log_finds_a_person_without_marks(self):
        from ecabinet.actions import do_record_login

        do_record_login(user=self.phung, username="an.phung", success=True, ip_address="10.0.0.1",
                     user_agent="Firefox", channel="web")
        response = self.client_for(self.admin).get("/admin/ecabinet/loginrecord/", {"q": "phung khac khoan"})
        self.assertEqual([r.username for r in response.context["cl"].result_list], ["an.phung"])
