"""A file's columns as an import reports them: which header gives which attendee field, and a
warning for each column the import leaves out without being asked to.

A mapping (from the request) is `{header: field or None}`: it overrides the detection of the
headers it names (integrations/csv_reader.map_header); None leaves that column out on purpose,
so it is not a warning. `check_mapping` refuses, before any job exists, a mapping that could
never import.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from outreachpass.errors import FieldError, ValidationFailed
from outreachpass.integrations.csv_reader import FIELDS, CsvFile

MAX_MAPPED_COLUMNS = 200
MAX_HEADER_LENGTH = 200

FIELD_LABELS: dict[str, str] = {
    "email": "E-mail (required; how a second import finds the attendee again)",
    "first_name": "First name (required for a new attendee)",
    "last_name": "Last name",
    "full_name": "Full name, split into first and last name",
    "phone": "Phone",
    "org_name": "Organisation",
    "title": "Job title",
    "linkedin_url": "LinkedIn profile",
}


def parse_mapping(text: str | None, *, field_name: str = "mapping") -> dict[str, str | None] | None:
    """A mapping given as JSON text (a query parameter), checked; None when not given."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: brackets nested a thousand deep
        raise ValidationFailed.field(field_name, 'not valid JSON: give an object such as {"E-mail": "email", "Notes": null}') from None
    if not isinstance(value, dict) or not all(isinstance(v, str) or v is None for v in value.values()):
        raise ValidationFailed.field(field_name, 'give a JSON object of header -> field name or null, such as {"E-mail": "email"}')
    return check_mapping(value, field_name=field_name)


def check_mapping(mapping: Mapping[str, str | None] | None, *, field_name: str = "mapping") -> dict[str, str | None] | None:
    """The mapping with its headers trimmed; 400 naming the entry at fault otherwise."""
    if mapping is None:
        return None
    problems: list[FieldError] = []
    if len(mapping) > MAX_MAPPED_COLUMNS:
        raise ValidationFailed.field(field_name, f"maps {len(mapping)} columns; at most {MAX_MAPPED_COLUMNS}")
    checked: dict[str, str | None] = {}
    given_by: dict[str, str] = {}
    for raw_label, target in mapping.items():
        label = raw_label.strip()
        where = f"{field_name}.{raw_label}"
        if not label:
            problems.append(FieldError(where, "a column's header cannot be empty"))
            continue
        if len(label) > MAX_HEADER_LENGTH:
            problems.append(FieldError(where, f"a header of {len(label)} characters; at most {MAX_HEADER_LENGTH}"))
            continue
        if target is not None and target not in FIELDS:
            problems.append(FieldError(where, f"'{target}' is not an attendee field; use one of {', '.join(FIELDS)}, or null to leave the column out"))
            continue
        if label in checked:
            problems.append(FieldError(where, f"the header '{label}' is mapped twice"))
            continue
        if target is not None and target in given_by:
            problems.append(FieldError(where, f"'{given_by[target]}' is mapped to {target} already: map only one column to it"))
            continue
        checked[label] = target
        if target is not None:
            given_by[target] = label
    if "full_name" in given_by and ("first_name" in given_by or "last_name" in given_by):
        problems.append(FieldError(f"{field_name}.{given_by['full_name']}",
                                   "map either a full-name column or separate first and last name columns, not both"))
    if problems:
        raise ValidationFailed("The column mapping is invalid", details=problems)
    return checked


def detected_mapping(csv_file: CsvFile) -> dict[str, str | None]:
    """Every header of the file -> the field it gives, None for a column left out."""
    by_index = {index: column for column, index in csv_file.columns.items()}
    return {label: by_index.get(index) for index, label in enumerate(csv_file.header) if label}


def warnings(csv_file: CsvFile) -> list[dict[str, Any]]:
    """What the import leaves out without being asked to, as job warnings."""
    header_map = csv_file.header_map
    found: list[dict[str, Any]] = []
    for label in header_map.unknown:
        found.append({
            "code": "COLUMN_IGNORED",
            "column": label,
            "message": f"The column '{label}' matches no attendee field and was not imported: "
                       "map it to a field to import it, or to none to leave it out without this warning",
        })
    for label in header_map.superseded:
        found.append({
            "code": "COLUMN_IGNORED",
            "column": label,
            "message": f"The column '{label}' (a full name) was not imported: the file has separate first and last name columns",
        })
    for label in header_map.mapping_not_found:
        found.append({
            "code": "MAPPED_COLUMN_MISSING",
            "column": label,
            "message": f"The mapping names a column '{label}' that the file does not have: check the header's spelling",
        })
    return found
