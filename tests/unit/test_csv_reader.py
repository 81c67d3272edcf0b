"""Reading attendee CSVs as spreadsheets export them, and the import's row rules."""

from __future__ import annotations

import random
import string

import pytest
from email_validator import EmailNotValidError, validate_email
from pydantic import ValidationError

from outreachpass.integrations.csv_reader import COLUMNS, CsvFormatError, Row, map_header, open_csv, split_full_name
from outreachpass.models.attendees import AttendeeCreate
from outreachpass.services.imports.rows import normalize_email, normalize_url, validate_row

MiB = 1024 * 1024


def read(data: bytes, *, max_bytes: int = MiB, chunk: int | None = None):
    chunks = [data[i : i + chunk] for i in range(0, len(data), chunk)] if chunk else [data]
    csv_file = open_csv(chunks, max_bytes=max_bytes)
    return csv_file, list(csv_file.rows())


def as_dicts(rows):
    return [dict(zip(COLUMNS, row.values, strict=True)) for row in rows]


def refused(data: bytes, **kwargs) -> CsvFormatError:
    with pytest.raises(CsvFormatError) as caught:
        read(data, **kwargs)
    return caught.value


# --- encodings -----------------------------------------------------------------------------------

TEXT = "email,first_name,last_name,org_name\nzoe@example.com,Zoë,Łukasiewicz,Café Müller\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),  # with BOM, as Excel's "Unicode Text"
        (TEXT.encode("utf-16-le"), "utf-16-le"),  # no BOM: recognised by its NUL pattern
        (TEXT.encode("utf-16-be"), "utf-16-be"),
    ],
)
def test_unicode_encodings_are_detected(data, encoding):
    csv_file, rows = read(data, chunk=7)  # chunks cut through characters and the BOM
    assert csv_file.encoding == encoding
    assert as_dicts(rows)[0] == {
        "email": "zoe@example.com", "first_name": "Zoë", "last_name": "Łukasiewicz", "phone": None,
        "org_name": "Café Müller", "title": None, "linkedin_url": None,
    }


def test_windows_1252_is_read_when_the_bytes_are_not_utf8():
    data = "email;first_name;title\nrene@example.com;René;Directeur général \u2013 “Sales”\n".encode("cp1252")
    csv_file, rows = read(data)
    assert (csv_file.encoding, csv_file.delimiter) == ("cp1252", ";")
    assert rows[0].values[1] == "René"
    assert rows[0].values[5] == "Directeur général \u2013 “Sales”"


def test_invalid_utf8_after_the_sample_is_refused_with_the_row():
    good = b"email,first_name\n" + b"a@example.com,Ann\n" * 5000  # past the 64 KiB sample
    error = refused(good + b"b@example.com,Bj\xf6rn\n")
    assert error.code == "CSV_ENCODING_INVALID"
    assert "row 5002" in error.message and "CSV UTF-8" in error.message


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 100, "CSV_NOT_TEXT", "Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "CSV_NOT_TEXT", ".xls"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "CSV_NOT_TEXT", "PNG"),
        (b"%PDF-1.7\n", "CSV_NOT_TEXT", "PDF"),
        (bytes(range(256)) * 4, "CSV_NOT_TEXT", "binary"),
        (b"email,first_name\n\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11", "CSV_NOT_TEXT", "binary"),
        (b"", "CSV_EMPTY", "empty"),
        (b"\n\n  \n", "CSV_EMPTY", "empty"),
    ],
)
def test_files_that_are_not_csv_text_are_refused(data, code, words):
    error = refused(data)
    assert error.code == code
    assert words in error.message


def test_binary_data_in_the_middle_of_a_file_is_refused():
    data = b"email,first_name\n" + b"a@example.com,Ann\n" * 5000 + b"\x00\x00\x00\x00garbage\n"
    assert refused(data).code == "CSV_NOT_TEXT"


def test_size_limit_is_enforced_while_streaming():
    data = b"email,first_name\n" + b"a@example.com,Ann\n" * 10_000
    error = refused(data, max_bytes=100_000, chunk=4096)
    assert error.code == "FILE_TOO_LARGE"
    assert "97.7 KiB" in error.message


# --- CSV structure -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b'email,first_name\n"a@example.com,Ann\nb@example.com,Bob\n', "never ends"),
        (b'email,first_name\na@example.com,"Ann"x\n', "not quoted properly"),
        (b'email,first_name\na@example.com,"' + b"x" * 200_000 + b"\n", "never ends"),
    ],
)
def test_malformed_csv_is_refused_with_a_reason(data, words):
    error = refused(data)
    assert error.code == "CSV_MALFORMED"
    assert "row 2" in error.message and words in error.message


def test_quoted_values_with_delimiters_quotes_and_newlines():
    data = b'email,first_name,org_name,title\r\na@example.com,Ann,"Acme, Inc.","The ""Boss""\r\nof all"\r\nb@example.com,Bob,,\r\n'
    _, rows = read(data)
    assert [row.number for row in rows] == [2, 3]  # spreadsheet rows, not lines
    assert rows[0].values[4] == "Acme, Inc."
    assert rows[0].values[5] == 'The "Boss"\r\nof all'


def test_blank_rows_are_skipped_but_keep_the_row_numbers():
    _, rows = read(b"email,first_name\n\na@example.com,Ann\n,,\n  ,  \nb@example.com,Bob\n")
    assert [(row.number, row.values[0]) for row in rows] == [(3, "a@example.com"), (6, "b@example.com")]


def test_extra_cells_and_short_rows():
    _, rows = read(b"email,first_name,last_name\na@example.com,Ann,Lee,oops\nb@example.com\n")
    assert rows[0].extra_cells == 1
    assert rows[1].values[:3] == ("b@example.com", None, None)
    assert rows[1].extra_cells == 0


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_chosen_from_the_header(delimiter):
    text = delimiter.join(["E-mail", "First Name", "Company"]) + "\n" + delimiter.join(["a@example.com", "Ann", "Acme, Inc."]) + "\n"
    if delimiter == ",":
        text = text.replace("Acme, Inc.", '"Acme, Inc."')
    csv_file, rows = read(text.encode())
    assert csv_file.delimiter == delimiter
    assert rows[0].values[4] == "Acme, Inc."


def test_excel_sep_line_is_honoured():
    csv_file, rows = read(b"sep=|\nemail|first_name\na@example.com|Ann\n")
    assert csv_file.delimiter == "|"
    assert [row.number for row in rows] == [2]


# --- headers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["Email", "First Name", "Last Name"], {"email": 0, "first_name": 1, "last_name": 2}),
        (["E-mail Address", "first_name", "SURNAME"], {"email": 0, "first_name": 1, "last_name": 2}),
        (["  e_mail ", "Given name", "Family Name", "Mobile"], {"email": 0, "first_name": 1, "last_name": 2, "phone": 3}),
        (["email", "Company Name", "Job Title", "LinkedIn Profile URL"], {"email": 0, "org_name": 1, "title": 2, "linkedin_url": 3}),
        (["Organisation", "Position", "Phone Number", "Email"], {"org_name": 0, "title": 1, "phone": 2, "email": 3}),
        (["Name", "Email"], {"full_name": 0, "email": 1}),
        (["\ufeffEmail", "Vorname", "Nachname", "Firma"], {"email": 0, "first_name": 1, "last_name": 2, "org_name": 3}),
        (["Courriel", "Prénom", "Société", "Téléfono"], {"email": 0, "first_name": 1, "org_name": 2, "phone": 3}),
    ],
)
def test_header_spellings(header, expected):
    assert map_header(header).columns == expected


def test_unknown_columns_are_ignored_and_listed():
    header_map = map_header(["Email", "Shoe size", "", "First"])
    assert header_map.columns == {"email": 0, "first_name": 3}
    assert header_map.unknown == ["Shoe size"]


def test_full_name_gives_way_to_separate_name_columns():
    header_map = map_header(["Email", "Full Name", "First Name"])
    assert header_map.columns == {"email": 0, "first_name": 2}
    assert header_map.superseded == ["Full Name"]


def test_a_mapping_overrides_detection_for_the_headers_it_names():
    header_map = map_header(
        ["Mail", "Vorname", "Title", "Notes", "Company"],
        {"Mail": "email", "Title": None, "Notes": "title", "Gone": "phone"},
    )
    # Mail has no known spelling: mapped; Title is known but mapped to nothing; Notes now gives the title
    assert header_map.columns == {"email": 0, "first_name": 1, "title": 3, "org_name": 4}
    assert header_map.unmapped == ["Title"]
    assert header_map.unknown == []
    assert header_map.mapping_not_found == ["Gone"]


def test_a_mapping_that_gives_a_field_twice_or_drops_the_email_is_refused():
    with pytest.raises(CsvFormatError) as twice:
        map_header(["Email", "Work mail"], {"Work mail": "email"})
    assert twice.value.code == "CSV_DUPLICATE_COLUMN"
    assert "'Email' and 'Work mail'" in twice.value.message
    with pytest.raises(CsvFormatError) as none:
        map_header(["Email", "First"], {"Email": None})
    assert none.value.code == "CSV_MISSING_COLUMN"
    assert "map the column that holds the addresses to the email field" in none.value.message


def test_a_mapping_decides_the_delimiter_too():
    """A header of unknown names only is split where the mapping's names appear."""
    csv_file = open_csv([b"Mail;Vorname\nada@example.com;Ada\n"], max_bytes=1000, mapping={"Mail": "email", "Vorname": "first_name"})
    assert csv_file.delimiter == ";"
    assert [r.values[:2] for r in csv_file.rows()] == [("ada@example.com", "Ada")]
    assert csv_file.label("email") == "Mail"


@pytest.mark.parametrize(
    ("header", "code"),
    [(["First Name", "Phone"], "CSV_MISSING_COLUMN"), (["Email", "E-mail"], "CSV_DUPLICATE_COLUMN"), (["First", "Given Name", "Email"], "CSV_DUPLICATE_COLUMN")],
)
def test_header_errors(header, code):
    with pytest.raises(CsvFormatError) as caught:
        map_header(header)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("name", "parts"),
    [("Ada Lovelace", ("Ada", "Lovelace")), ("Ada King  Lovelace", ("Ada King", "Lovelace")), ("Lovelace, Ada", ("Ada", "Lovelace")), ("Cher", ("Cher", None))],
)
def test_full_name_split(name, parts):
    assert split_full_name(name) == parts


# --- row rules: the same as POST /events/{id}/attendees ------------------------------------------


def row(**values) -> Row:
    return Row(number=2, values=tuple(values.get(column) for column in COLUMNS), extra_cells=0)


BASE = {"email": "ada@example.com", "first_name": "Ada"}
CASES = [
    {},
    {"email": "Ada.Lovelace+events@Example.COM"},
    {"email": "not-an-email"},
    {"email": "ada@example"},
    {"email": "ada@example.test"},  # reserved domain: email-validator refuses it
    {"email": "ada@localhost"},
    {"email": "ada@xn--bcher-kva.com"},
    {"email": "josé@example.com"},
    {"email": "a..b@example.com"},
    {"email": "a@-example.com"},
    {"email": "a@exa_mple.com"},
    {"email": "x" * 65 + "@example.com"},
    {"email": "a@" + "b" * 64 + ".com"},
    {"first_name": "A" * 100},
    {"first_name": "A" * 101},
    {"last_name": "L" * 101},
    {"org_name": "O" * 200},
    {"org_name": "O" * 201},
    {"title": "T" * 201},
    {"phone": "+49 (30) 1234-567"},
    {"phone": "12"},
    {"phone": "call me"},
    {"phone": "1" * 41},
    {"linkedin_url": "https://www.linkedin.com/in/ada"},
    {"linkedin_url": "https://linkedin.com"},
    {"linkedin_url": "not a url"},
    {"linkedin_url": "ftp://linkedin.com/in/ada"},
    # control characters: names and labels are one line, as the API's one_line fields
    {"first_name": "Ada\nLovelace"},
    {"last_name": "Love\rlace"},
    {"first_name": "Ada\tB"},
    {"org_name": "Acme\x00Ltd"},
    {"org_name": "Acme\u2028Ltd"},
    {"title": "CEO\x1b[31m"},
    {"title": "Ch\x85ef"},
    {"title": "Ch\x9bef"},
    {"last_name": "Lovelace\x7f"},
]


@pytest.mark.parametrize("case", CASES, ids=[str(case)[:60] for case in CASES])
def test_a_row_is_valid_exactly_when_the_api_accepts_the_attendee(case):
    values = {**BASE, **case}
    imported, problems = validate_row(row(**values))
    try:
        model = AttendeeCreate(**{k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        assert problems, f"the API refuses {values} ({exc.errors()[0]['msg']}) but the import accepts it"
        api_fields = {str(err["loc"][0]) for err in exc.errors()}
        assert {column for column, _ in problems} == api_fields
        return
    assert not problems, f"the API accepts {values} but the import refuses it: {problems}"
    expected = model.model_dump(mode="json")
    expected["email"] = expected["email"].lower()
    assert dict(zip(COLUMNS, imported, strict=True)) == {column: expected.get(column) for column in COLUMNS}


def test_linkedin_without_scheme_gets_https():
    imported, problems = validate_row(row(**BASE, linkedin_url="linkedin.com/in/ada"))
    assert not problems
    assert imported[6] == "https://linkedin.com/in/ada"


def test_every_problem_of_a_row_is_reported_with_its_column():
    _, problems = validate_row(Row(number=7, values=(None, "F" * 101, "L" * 101, "nope", None, None, "::"), extra_cells=2))
    assert [column for column, _ in problems] == ["email", "first_name", "last_name", "phone", "linkedin_url", None]
    assert problems[0][1] == "required"


def test_a_missing_first_name_is_left_to_the_event_check():
    """Only a new attendee needs a first name (data/imports.py checks it against the event)."""
    imported, problems = validate_row(row(email="ada@example.com", phone="+44 1"))
    assert not problems
    assert imported[1] is None


def test_the_fast_email_path_agrees_with_email_validator():
    """normalize_email takes a regex shortcut for plain ASCII addresses; it must accept exactly
    what email-validator accepts, with the same (lower-cased) result."""
    rng = random.Random(20260401)
    alphabet = string.ascii_letters + string.digits + ".-_+!#$%&'*/=?^`{|}~@"
    samples = ["a@b.co", "A.B@C.DE", "a@b.c", "a.@b.com", ".a@b.com", "a@b..com", "a@b-.com", "a@1.2.3.4", "a@b.museum", "a@b.c0m"]
    for _ in range(3000):
        local = "".join(rng.choice(alphabet[:-1]) for _ in range(rng.randint(1, 8)))
        labels = ["".join(rng.choice(string.ascii_letters + string.digits + "-_") for _ in range(rng.randint(1, 6))) for _ in range(rng.randint(1, 3))]
        tld = rng.choice(["com", "io", "x", "c0", "test", "local", "museum", "COM", "d-e"])
        samples.append(f"{local}@{'.'.join(labels)}.{tld}")
    for address in samples:
        try:
            expected = validate_email(address, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            expected = None
        assert normalize_email(address) == expected, address


def test_the_fast_url_path_agrees_with_pydantic():
    """normalize_url returns plain URLs as they are; it must be what HttpUrl (the API's type) gives."""
    from pydantic import HttpUrl, TypeAdapter

    adapter = TypeAdapter(HttpUrl)
    rng = random.Random(20260402)
    pieces = ["in", "ada", "Ada-K", "a_b", "~x", "x.y", "..", ".", "%7e", "a b", "ä", "", "q?x=1", "f#g", "-", "x--y"]
    hosts = ["linkedin.com", "www.linkedin.com", "WWW.LinkedIn.com", "xn--bcher-kva.com", "a--b.com", "x.c", "x.co", "localhost", "1.2.3.4", "x-.com"]
    samples = ["https://linkedin.com", "linkedin.com/in/ada", "http://x.co/", "ftp://x.co/a"]
    for _ in range(3000):
        path = "/".join(rng.choice(pieces) for _ in range(rng.randint(0, 4)))
        samples.append(f"{rng.choice(['https://', 'http://', 'HTTPS://', ''])}{rng.choice(hosts)}{'/' if rng.random() < 0.9 else ''}{path}")
    for url in samples:
        candidate = url if "://" in url else f"https://{url}"
        try:
            expected = str(adapter.validate_python(candidate))
        except ValidationError:
            expected = None
        assert normalize_url(url) == expected, url
