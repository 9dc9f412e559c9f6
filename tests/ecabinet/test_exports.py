"""CSV cells that a spreadsheet would run as formulas are written as text."""

from __future__ import annotations

import csv
import io

import pytest

from ecabinet.exports import SafeCsvWriter, safe_cell


@pytest.mark.parametrize("text", ["=1+1", "+84 912", "-1", "@SUM(A1)", "\t=1", "\r=1", "＝1+1"])
def test_formula_starts_are_quoted(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Đồng ý", "a=1", " x", "", 5, -3, None, 1.5])
def test_plain_values_are_kept(value):
    assert safe_cell(value) == value


def test_writer_quotes_every_cell_of_every_row():
    out = io.StringIO()
    writer = SafeCsvWriter(out)
    writer.writerow(["Nguyễn Văn A", "=cmd|' /C calc'!A0"])
    writer.writerows([["@x", -2], ["ok", "-x"]])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["Nguyễn Văn A", "'=cmd|' /C calc'!A0"], ["'@x", "-2"], ["ok", "'-x"]]
