"""A person's rights kept between requests (ecabinet/rights_cache.py): read once, then from the
cache, and never standing after they change. Transactional tests, so that commits happen."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ecabinet.models import Unit, User
from ecabinet.roles import ORGANISER, assign_roles, ensure_roles, set_role
from tests.kit.users import client_for, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def fresh(user: User) -> User:
    """The person as a new request loads them."""
    return User.objects.get(pk=user.pk)


def rights_queries(user: User, right: str = "ecabinet.create_meeting") -> tuple[bool, int]:
    with CaptureQueriesContext(connection) as queries:
        held = user.has_perm(right)
    return held, len(queries)


def test_rights_are_read_once_then_kept():
    person = make_user("kept-rights", roles=(ORGANISER,))
    assert rights_queries(fresh(person)) == (True, 2)  # Django's two: own rights, roles' rights
    assert rights_queries(fresh(person)) == (True, 0)
    assert rights_queries(fresh(make_user("kept-none"))) == (False, 2)


def test_a_role_given_or_taken_shows_at_the_next_request():
    person = make_user("role-change")
    assert rights_queries(fresh(person)) == (False, 2)
    assign_roles(person, ORGANISER)
    assert fresh(person).has_perm("ecabinet.create_meeting")
    set_role(person, ORGANISER, False)
    assert not fresh(person).has_perm("ecabinet.create_meeting")
    assert not fresh(person).has_perm("ecabinet.create_meeting")  # and that is what is kept


def test_a_right_taken_from_a_role_leaves_its_holders():
    person = make_user("role-right", roles=(ORGANISER,))
    assert fresh(person).has_perm("ecabinet.view_statistics")
    group = ensure_roles()[ORGANISER]
    group.permissions.remove(Permission.objects.get(codename="view_statistics"))
    assert not fresh(person).has_perm("ecabinet.view_statistics")
    assert fresh(person).has_perm("ecabinet.create_meeting")


def test_a_persons_own_right_and_a_role_deleted():
    person = make_user("own-right")
    person.user_permissions.add(Permission.objects.get(codename="manage_catalogs"))
    assert fresh(person).has_perm("ecabinet.manage_catalogs")
    group = Group.objects.create(name="Tạm thời")
    group.permissions.add(Permission.objects.get(codename="view_statistics"))
    person.groups.add(group)
    assert fresh(person).has_perm("ecabinet.view_statistics")
    group.delete()
    assert not fresh(person).has_perm("ecabinet.view_statistics")


def test_rights_read_inside_a_rolled_back_change_are_not_kept():
    person = make_user("rolled-back")
    with pytest.raises(RuntimeError), transaction.atomic():
        assign_roles(person, ORGANISER)
        assert fresh(person).has_perm("ecabinet.create_meeting")  # read inside, uncommitted
        raise RuntimeError("the change fails")
    assert rights_queries(fresh(person)) == (False, 2)


def test_a_superuser_made_ordinary_loses_every_right():
    person = make_user("was-admin", is_superuser=True)
    assert fresh(person).has_perm("ecabinet.issue_certificates")
    User.objects.filter(pk=person.pk).update(is_superuser=False)  # no signal about roles
    assert not fresh(person).has_perm("ecabinet.issue_certificates")


def test_pages_follow_a_role_taken_away():
    unit = Unit.objects.create(name="Sở Tài chính", code="rights-so-tc", kind="department")
    person = make_user("page-rights", unit=unit, roles=(ORGANISER,))
    client = client_for(person)
    assert client.get("/meetings/new/").status_code == 200
    assert client.get("/meetings/new/").status_code == 200  # now from the kept rights
    set_role(person, ORGANISER, False)
    assert client.get("/meetings/new/").status_code in (403, 404)
