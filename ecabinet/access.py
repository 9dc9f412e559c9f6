"""Who may see and do what in the core app: system admins, rights from roles, unit scopes.

Rights come from Django permissions (declared on User.Meta, bundled into role groups by
ecabinet/roles.py, assigned and extended by administrators). A right says *what*; the scope
says *where*: a person's rights reach their own unit and the units below it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.errors import NotFoundError, PermissionDeniedError
from ecabinet.models import ApiToken, Unit, User


def is_system_admin(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def has_right(user: User, right: str) -> bool:
    """`right` is one of ecabinet.roles.RIGHTS; a system admin holds them all."""
    return bool(user.is_authenticated and user.is_active and user.has_perm(f"ecabinet.{right}"))


def _all_unit_ids() -> set[int]:
    return set(Unit.objects.values_list("pk", flat=True))


def _own_subtree(user: User) -> set[int]:
    """The user's unit and those below it, read once per user object (one request) and unit."""
    if not user.is_authenticated or not user.unit_id:
        return set()
    cached = user.__dict__.get("_unit_subtree")
    if cached is None or cached[0] != user.unit_id:
        unit = user.unit
        assert unit is not None  # unit_id is set
        cached = user.__dict__["_unit_subtree"] = (user.unit_id, frozenset(unit.descendant_ids()))
    return set(cached[1])


def _scope(user: User, right: str) -> set[int]:
    """The units where `user` may use `right`: all for a system admin, else their own subtree."""
    if is_system_admin(user):
        return _all_unit_ids()
    return _own_subtree(user) if has_right(user, right) else set()


# --- people (unit administrators) -------------------------------------------------------------

def managed_unit_ids(user: User) -> set[int]:
    """Units whose people `user` may manage: all for a system admin, the own subtree for a unit admin."""
    return _scope(user, "manage_users")


def may_manage_users(user: User) -> bool:
    return is_system_admin(user) or bool(managed_unit_ids(user))


def can_manage_unit(user: User, unit: Unit | None) -> bool:
    if is_system_admin(user):
        return True
    return unit is not None and unit.pk in managed_unit_ids(user)


def can_manage_user(actor: User, target: User) -> bool:
    if is_system_admin(actor):
        return True
    if target.is_superuser:
        return False
    return can_manage_unit(actor, target.unit)


def users_managed_by(user: User) -> QuerySet[User]:
    if is_system_admin(user):
        return User.objects.all()
    return User.objects.filter(unit_id__in=managed_unit_ids(user), is_superuser=False)


def grantable_groups(user: User) -> QuerySet[Group]:
    """Roles `user` may hand out: only those whose every right they hold themselves."""
    if is_system_admin(user):
        return Group.objects.all()
    if not may_manage_users(user):
        return Group.objects.none()
    held = user.get_all_permissions()
    refused = [
        group.pk for group in Group.objects.prefetch_related("permissions__content_type")
        if any(f"{p.content_type.app_label}.{p.codename}" not in held for p in group.permissions.all())
    ]
    return Group.objects.exclude(pk__in=refused)


# --- meetings: convening and running ------------------------------------------------------------

def convening_unit_ids(user: User) -> set[int]:
    """Units `user` may convene meetings for (`create_meeting`): their own subtree; an office
    (Văn phòng) is the secretariat of the body above it, so its staff convene for that body too."""
    ids = _scope(user, "create_meeting")
    return ids | _served_body(user) if ids and not is_system_admin(user) else ids


def running_unit_ids(user: User) -> set[int]:
    """Units whose meetings `user` runs without being named in them (`run_meeting`, same scope)."""
    ids = _scope(user, "run_meeting")
    return ids | _served_body(user) if ids and not is_system_admin(user) else ids


def _served_body(user: User) -> set[int]:
    """An office (Văn phòng) is the secretariat of the body above it: that body's id, else none."""
    unit = user.unit
    if unit is not None and unit.kind == Unit.Kind.OFFICE and unit.parent_id:
        return {unit.parent_id}
    return set()


def may_create_meetings(user: User) -> bool:
    return bool(convening_unit_ids(user))


def may_convene_for(user: User, unit: Unit | None) -> bool:
    """A meeting without a unit is for system admins only."""
    if is_system_admin(user):
        return True
    return unit is not None and unit.pk in convening_unit_ids(user)


# --- catalogs, statistics, certificates ---------------------------------------------------------

def catalog_unit_ids(user: User) -> set[int]:
    """Units whose catalog rows (meeting types, rooms, document types) `user` manages."""
    return _scope(user, "manage_catalogs")


def may_manage_catalogs(user: User) -> bool:
    return is_system_admin(user) or bool(catalog_unit_ids(user))


def may_view_statistics(user: User) -> bool:
    return has_right(user, "view_statistics")


def may_issue_certificates(user: User) -> bool:
    return has_right(user, "issue_certificates")


def certificate_holders_for(user: User) -> QuerySet[User]:
    """People whose signing certificates `user` administers (issue, register a token or remote
    credential, revoke, lift a PIN lock): the `issue_certificates` right, over the units in its
    scope; system administrators' own certificates only by system administrators."""
    if is_system_admin(user):
        return User.objects.all()
    return User.objects.filter(unit_id__in=_scope(user, "issue_certificates"), is_superuser=False)


def may_administer_certificate_of(actor: User, holder: User) -> bool:
    if is_system_admin(actor):
        return True
    if holder.is_superuser or not may_issue_certificates(actor):
        return False
    return holder.unit_id is not None and holder.unit_id in _scope(actor, "issue_certificates")


def unit_ids_with_right(user: User, right: str) -> set[int]:
    """The units where `user` may use `right` (`issue_certificates`, `issue_documents`, …): every
    unit for a system admin, their own unit and those below it for a holder of the right."""
    return _scope(user, right)


def may_administer(user: User) -> bool:
    """Whether the administration area has anything for `user`."""
    return is_system_admin(user) or may_manage_users(user) or may_manage_catalogs(user)


def global_permissions(user: User) -> dict[str, bool]:
    """What pages and scripts offer this person outside any one meeting (`can.x` in templates)."""
    if not user.is_authenticated:
        return dict.fromkeys(("create_meeting", "manage_catalogs", "view_statistics", "issue_certificates",
                              "manage_users", "administer", "system_admin"), False)
    return {
        "create_meeting": may_create_meetings(user),
        "manage_catalogs": may_manage_catalogs(user),
        "view_statistics": may_view_statistics(user),
        "issue_certificates": may_issue_certificates(user),
        "manage_users": may_manage_users(user),
        "administer": may_administer(user),
        "system_admin": is_system_admin(user),
    }
def require_session_login(request: HttpRequest) -> None:
    """Refuse a request authenticated by an API token: changing a signing key or lifting a lock
    needs a signed-in person (session) who also types their password again, never a token."""
    if getattr(request, "authenticated_by_token", False) or not request.user.is_authenticated:
        raise PermissionDeniedError(
            _("This change cannot be made with an API token. Sign in on the website and confirm "
              "with your password."),
            code="session_required",
        )


# How long a typed password vouches for the change it was typed for (one request in practice).
FRESH_PASSWORD_MAX_AGE = timedelta(minutes=2)


@dataclass(frozen=True)
class FreshPassword:
    """Proof, made only by ``ecabinet.actions.do_confirm_password``, that `user_id` typed their
    account password in a signed-in session at `checked_at` (not merely held a session)."""

    user_id: int
    checked_at: datetime


def has_fresh_password(user: User, proof: FreshPassword | None) -> bool:
    return (isinstance(proof, FreshPassword) and proof.user_id == user.pk
            and timezone.now() - proof.checked_at <= FRESH_PASSWORD_MAX_AGE)


def require_may_revoke_token(actor: User, token: ApiToken) -> None:
    """An API token is revoked by its holder or by someone who manages the holder."""
    if token.user_id != actor.pk and not can_manage_user(actor, token.user):
        raise PermissionDeniedError(_("You may not revoke this token."))


# --- statistics (issue 12, fn48, fn52, fn53, fn119, fn138) -------------------------------------

# The reports a person without the `view_statistics` right may open: their own row only.
OWN_STATISTICS_REPORTS = frozenset({"members", "speaking"})


@dataclass(frozen=True)
class StatisticsScope:
    """What `user` may see in the statistics: `unit_ids` (the units whose figures they read: all
    for a system admin, the own subtree for a holder of `view_statistics`), or, without the right,
    only their own row (`own_only`) in the reports about people."""

    user_id: int
    unit_ids: frozenset[int]
    own_only: bool


def statistics_scope(user: User) -> StatisticsScope:
    """Anonymous people have no scope (the pages ask them to sign in first)."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDeniedError(_("Sign in to see statistics."))
    ids = unit_ids_with_right(user, "view_statistics")
    return StatisticsScope(user_id=user.pk, unit_ids=frozenset(ids), own_only=not ids)


def require_statistics_report(scope: StatisticsScope, report: str) -> None:
    """Without the right only the reports about people open, and show the person's own row."""
    if scope.own_only and report not in OWN_STATISTICS_REPORTS:
        raise PermissionDeniedError(_("You may see only your own statistics."))


def statistics_unit(scope: StatisticsScope, unit_id: int | None) -> Unit | None:
    """The unit a report is filtered on (its subtree): one in the scope, else a 404; none for
    everything in the scope. A person who sees only their own row cannot filter on a unit."""
    if unit_id is None:
        return None
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None or scope.own_only or unit.pk not in scope.unit_ids:
        raise NotFoundError(_("This unit does not exist or is outside your statistics."))
    return unit
# --- help, feedback, login log (issue 12, parts 6 and 7) -----------------------------------------

def may_edit_help(user: User) -> bool:
    """The user guide is the installation's: system administrators write it (fn4)."""
    return is_system_admin(user)


def help_audiences(user: User) -> set[str]:
    """The help audiences (HelpPage.Audience) a person reads: everyone's and members' pages for
    every signed-in person; secretaries' and organisers' for those who convene or run meetings;
    chairs' and leaders' for the leader role; administrators' for system and unit administrators.
    A system administrator reads every page."""
    from ecabinet.roles import LEADER, role_name

    if not user.is_authenticated:
        return set()
    if is_system_admin(user):
        return {"everyone", "member", "organiser", "leader", "system_admin"}
    audiences = {"everyone", "member"}
    if has_right(user, "create_meeting") or has_right(user, "run_meeting"):
        audiences.add("organiser")
    if user.groups.filter(name=role_name(LEADER)).exists():
        audiences.add("leader")
    if may_administer(user):
        audiences.add("system_admin")
    return audiences


def may_handle_feedback(user: User) -> bool:
    """Feedback goes to the operator: system administrators read and handle it."""
    return is_system_admin(user)


def may_view_login_log(user: User) -> bool:
    return is_system_admin(user) or may_manage_users(user)


def may_purge_login_log(user: User) -> bool:
    """The retention period and deleting old entries: the installation's policy, system
    administrators only."""
    return is_system_admin(user)


def login_records_visible_to(user: User):
    """Sign-ins a person may read: all for a system administrator; for a unit administrator
    (`manage_users`) those of the accounts they manage (their units' people, never a system
    administrator's), and no failed attempt with an unknown user name (it could be anyone's,
    and a mistyped password is sometimes typed as a name)."""
    from ecabinet.models import LoginRecord

    if is_system_admin(user):
        return LoginRecord.objects.all()
    if not may_manage_users(user):
        return LoginRecord.objects.none()
    return LoginRecord.objects.filter(user__in=users_managed_by(user))


def require_may_view_login_log(user: User) -> None:
    if not may_view_login_log(user):
        raise PermissionDeniedError(_("Only an administrator may see the login log."))


def require_may_purge_login_log(user: User) -> None:
    if not may_purge_login_log(user):
        raise PermissionDeniedError(_("Only a system administrator may change the retention of the login log."))


def require_may_edit_help(user: User) -> None:
    if not may_edit_help(user):
        raise PermissionDeniedError(_("Only a system administrator may edit the user guide."))


def require_may_handle_feedback(user: User) -> None:
    if not may_handle_feedback(user):
        raise PermissionDeniedError(_("Only a system administrator may handle feedback."))
