from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from ecabinet.audit import record_audit, verify_chain
from ecabinet.models import AuditEvent, AuditHead

pytestmark = pytest.mark.django_db


def write_rows(n: int) -> None:
    for i in range(n):
        with transaction.atomic():
            record_audit(actor=None, action="test.step", details={"i": i, "tên": "Nguyễn Văn Ánh"})


def raw_update(sql: str, params: list) -> None:
    # Tampering happens behind the ORM's back, as an attacker with database access would do it.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_intact_chain_verifies():
    write_rows(5)
    assert verify_chain() is None
    call_command("verify_audit")
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == [1, 2, 3, 4, 5]
    rows = list(AuditEvent.objects.order_by("seq"))
    assert all(b.prev_hash == a.row_hash for a, b in zip(rows, rows[1:], strict=False))


def test_edited_row_is_named():
    write_rows(5)
    row = AuditEvent.objects.get(seq=3)
    raw_update(f"UPDATE {AuditEvent._meta.db_table} SET details = %s WHERE id = %s", ['{"i": 99}', row.pk])
    problem = verify_chain()
    assert problem is not None and (problem.seq, problem.kind) == (3, "edited")
    with pytest.raises(CommandError, match="#3 was edited"):
        call_command("verify_audit")


def test_edited_actor_label_is_named():
    write_rows(4)
    raw_update(f"UPDATE {AuditEvent._meta.db_table} SET actor_label = %s WHERE seq = %s", ["kẻ gian", 2])
    assert verify_chain().seq == 2


def test_deleted_row_is_named():
    write_rows(5)
    raw_update(f"DELETE FROM {AuditEvent._meta.db_table} WHERE seq = %s", [2])
    problem = verify_chain()
    assert problem is not None and (problem.seq, problem.kind) == (2, "deleted")
    with pytest.raises(CommandError, match="#2 is missing"):
        call_command("verify_audit")


def test_deleted_last_row_is_named():
    write_rows(3)
    raw_update(f"DELETE FROM {AuditEvent._meta.db_table} WHERE seq = %s", [3])
    problem = verify_chain()
    assert problem is not None and (problem.seq, problem.kind) == (3, "deleted")


def test_reordered_rows_are_named():
    write_rows(5)
    table = AuditEvent._meta.db_table
    # Swap rows 2 and 4 by exchanging their sequence numbers (and so their place in the walk).
    raw_update(f"UPDATE {table} SET seq = %s WHERE seq = %s", [1000, 2])
    raw_update(f"UPDATE {table} SET seq = %s WHERE seq = %s", [2, 4])
    raw_update(f"UPDATE {table} SET seq = %s WHERE seq = %s", [4, 1000])
    problem = verify_chain()
    assert problem is not None and (problem.seq, problem.kind) == (2, "reordered")
    with pytest.raises(CommandError, match="#2"):
        call_command("verify_audit")


@pytest.mark.django_db(transaction=True)
def test_record_audit_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError):
        record_audit(actor=None, action="test.outside")
    assert AuditEvent.objects.count() == 0
    assert not AuditHead.objects.exists() or AuditHead.objects.get().last_seq == 0


def test_rolled_back_action_leaves_no_row_and_chain_stays_intact():
    write_rows(2)
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        record_audit(actor=None, action="test.doomed")
        1 / 0  # noqa: B018
    write_rows(1)
    assert AuditEvent.objects.count() == 3
    assert verify_chain() is None
