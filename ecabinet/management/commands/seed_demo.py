"""A demo People's Committee: units, positions, people (all with one password) and, through the
other apps' hooks, signing certificates and a few meetings. Safe to run again: it updates in place
and resets the demo users' passwords."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from types import ModuleType

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from ecabinet.audit import record_audit
from ecabinet.models import Position, Unit, User
from ecabinet.roles import (
    GUEST,
    LEADER,
    MEMBER,
    ORGANISER,
    SYSTEM_ADMIN,
    UNIT_ADMIN,
    assign_roles,
    ensure_roles,
)

UNITS = [
    # code, name, short name, kind, parent code
    ("ubnd-tinh", "Ủy ban nhân dân tỉnh An Phước", "UBND tỉnh", "committee", None),
    ("vp-ubnd", "Văn phòng Ủy ban nhân dân tỉnh", "Văn phòng UBND", "office", "ubnd-tinh"),
    ("so-tai-chinh", "Sở Tài chính", "Sở TC", "department", "ubnd-tinh"),
    ("so-khdt", "Sở Kế hoạch và Đầu tư", "Sở KH&ĐT", "department", "ubnd-tinh"),
    ("so-noi-vu", "Sở Nội vụ", "Sở NV", "department", "ubnd-tinh"),
    ("so-tu-phap", "Sở Tư pháp", "Sở TP", "department", "ubnd-tinh"),
    ("so-tnmt", "Sở Tài nguyên và Môi trường", "Sở TN&MT", "department", "ubnd-tinh"),
    ("huyen-dong-hoa", "Ủy ban nhân dân huyện Đông Hòa", "UBND huyện Đông Hòa", "district", "ubnd-tinh"),
    ("xa-hoa-thanh", "Ủy ban nhân dân xã Hòa Thành", "UBND xã Hòa Thành", "commune", "huyen-dong-hoa"),
    ("phuong-ngoc-ha", "Ủy ban nhân dân phường Ngọc Hà", "UBND phường Ngọc Hà", "ward", "ubnd-tinh"),
]

POSITIONS = [
    ("Chủ tịch UBND tỉnh", 10), ("Phó Chủ tịch UBND tỉnh", 20), ("Chánh Văn phòng", 30),
    ("Giám đốc Sở", 40), ("Phó Giám đốc Sở", 50), ("Chủ tịch UBND huyện", 45),
    ("Chủ tịch UBND xã", 60), ("Chuyên viên", 90), ("Phóng viên", 95), ("Quản trị hệ thống", 99),
]

PEOPLE = [
    # username, full name, position, unit code, flags, roles (ecabinet/roles.py)
    ("admin", "Quản Trị Viên", "Quản trị hệ thống", "vp-ubnd", {"is_superuser": True, "is_staff": True},
     (SYSTEM_ADMIN,)),
    ("chair", "Nguyễn Văn Thành", "Chủ tịch UBND tỉnh", "ubnd-tinh", {}, (LEADER,)),
    ("secretary", "Trần Thị Hồng Nhung", "Chánh Văn phòng", "vp-ubnd", {"is_staff": True},
     (ORGANISER, UNIT_ADMIN)),
    ("member1", "Lê Hoàng Phúc", "Phó Chủ tịch UBND tỉnh", "ubnd-tinh", {}, (LEADER,)),
    ("member2", "Phạm Thị Thu Hà", "Phó Chủ tịch UBND tỉnh", "ubnd-tinh", {}, (LEADER,)),
    ("member3", "Võ Đức Thắng", "Giám đốc Sở", "so-tai-chinh", {}, (MEMBER,)),
    ("member4", "Đặng Ngọc Ánh", "Giám đốc Sở", "so-khdt", {}, (MEMBER,)),
    ("member5", "Huỳnh Quốc Việt", "Giám đốc Sở", "so-noi-vu", {}, (MEMBER,)),
    ("member6", "Bùi Thị Mỹ Dung", "Giám đốc Sở", "so-tu-phap", {}, (MEMBER,)),
    ("member7", "Ngô Trường Sơn", "Chủ tịch UBND huyện", "huyen-dong-hoa", {}, (MEMBER,)),
    ("member8", "Dương Thị Lan Hương", "Chủ tịch UBND xã", "xa-hoa-thanh", {}, (MEMBER,)),
    ("guest", "Trịnh Minh Đức", "Phóng viên", "vp-ubnd", {}, (GUEST,)),
]



def app_seed_modules() -> list[ModuleType]:
    """The `seed` module of each of this project's installed apps, in INSTALLED_APPS order: an
    app adds its part of the demo with a `seed_demo(users, password, stdout)` function there.
    Found the way Django finds `admin` modules, so the core names no feature app."""
    modules = []
    for config in apps.get_app_configs():
        if Path(config.path).is_relative_to(settings.BASE_DIR) and module_has_submodule(config.module, "seed"):
            modules.append(import_module(f"{config.name}.seed"))
    return modules


class Command(BaseCommand):
    help = "Create (or refresh) the demo People's Committee with its users and meetings."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--password", required=True, help="Password (and signing PIN) of every demo user")

    def handle(self, *args, password: str, **options) -> None:
        if len(password) < 4:
            raise CommandError("--password must have at least 4 characters")
        with transaction.atomic():
            users = self._seed_people(password)
            record_audit(actor=None, action="demo.seed", details={"users": sorted(users)})
        for module in app_seed_modules():
            module.seed_demo(users=users, password=password, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo logins (password as given):"))
        for username, full_name, position, _unit, _flags, _roles in PEOPLE:
            self.stdout.write(f"  {username:<10} {full_name} — {position}")

    def _seed_people(self, password: str) -> dict[str, User]:
        units: dict[str, Unit] = {}
        for code, name, short, kind, parent in UNITS:
            units[code], _ = Unit.objects.update_or_create(
                code=code,
                defaults={"name": name, "short_name": short, "kind": kind,
                          "parent": units[parent] if parent else None},
            )
        positions = {
            name: Position.objects.update_or_create(name=name, defaults={"rank": rank})[0]
            for name, rank in POSITIONS
        }
        ensure_roles()
        users: dict[str, User] = {}
        for username, full_name, position, unit_code, flags, roles in PEOPLE:
            user, _ = User.objects.update_or_create(
                username=username,
                defaults={
                    "full_name": full_name,
                    "first_name": full_name.split()[-1],
                    "last_name": " ".join(full_name.split()[:-1]),
                    "email": f"{username}@anphuoc.gov.vn",
                    "position": positions[position],
                    "unit": units[unit_code],
                    "is_active": True,
                    **flags,
                },
            )
            user.set_password(password)
            user.save(update_fields=["password"])
            assign_roles(user, *roles)
            users[username] = user
        return users
