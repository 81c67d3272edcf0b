"""Reading attendee CSV files as people actually export them: streamed, whatever the encoding.

`open_csv(chunks, max_bytes=...)` takes the file as an iterable of byte chunks (an S3 body,
or a request body in one chunk) and returns a `CsvFile` whose `rows()` yields the data rows
one at a time, so a 20 MiB file never sits in memory as a whole.

What it accepts:
- encodings: UTF-8 with or without BOM; UTF-16 LE/BE with BOM (Excel's "Unicode Text",
  tab-separated) or without BOM when the NUL pattern is unmistakable; Windows-1252 (Excel's
  plain "CSV" on Windows) when the bytes are not UTF-8. Anything else is refused with a
  message that says how to save the file instead;
- delimiters: comma, semicolon (Excel in most European locales), tab or pipe, chosen by which
  one makes the most recognisable header; Excel's `sep=;` first line is honoured;
- headers: the canonical column names and the common spellings ("First Name", "E-mail",
  "Company", "Job Title", ...), any case, spacing or punctuation. A "Name"/"Full Name" column
  is split into first and last name when there are no separate name columns. Unknown
  columns are ignored (and listed in `header_map.unknown`);
- a mapping from the file's headers to fields (`open_csv(..., mapping={"Mail": "email",
  "Notes": None})`) that overrides the detection for the headers it names: a field, or None
  to leave that column out. Headers it does not name are detected as above; a header it
  names that the file does not have is listed in `mapping_not_found`.

What it refuses, as `CsvFormatError(code, message)` (the whole file, before or while
reading): binary files (spreadsheets, images, PDFs, NUL bytes), undecodable text, quotes
that never close, files over `max_bytes`, a header without an email column, a column given
twice. Per-row problems are not errors here: the caller validates the values.

Row numbers are spreadsheet row numbers: the header is row 1, the first data row is row 2
(a quoted value spanning lines is still one row), so a user can find the row in Excel.

Over 350 lines on purpose: it is one job (bytes in, rows out), and its parts (encoding sniffing,
delimiter choice, the line splitter and the header rules) only make sense together; each is a
small named function tested in tests/unit/test_csv_reader.py.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

# The attendee columns an import fills, in the order rows are yielded.
COLUMNS: tuple[str, ...] = ("email", "first_name", "last_name", "phone", "org_name", "title", "linkedin_url")
FULL_NAME = "full_name"  # a pseudo-column, split into first_name / last_name
FIELDS: tuple[str, ...] = (*COLUMNS, FULL_NAME)  # what a column of the file can be mapped to

# Header spellings, compared after `_header_key` (lower-case, letters and digits only).
_ALIASES: dict[str, tuple[str, ...]] = {
    "email": (
        "email", "emailaddress", "mail", "emailid", "workemail", "businessemail", "primaryemail", "emailaddr",
        "courriel", "correo", "correoelectronico",
    ),
    "first_name": ("firstname", "first", "givenname", "forename", "fname", "prenom", "vorname", "nombre"),
    "last_name": ("lastname", "last", "surname", "familyname", "lname", "nom", "nachname", "apellido", "apellidos"),
    FULL_NAME: ("name", "fullname", "attendeename", "contactname", "displayname"),
    "phone": (
        "phone", "phonenumber", "telephone", "tel", "mobile", "mobilephone", "mobilenumber", "cell", "cellphone",
        "workphone", "businessphone", "telefon", "telefono",
    ),
    "org_name": (
        "org", "orgname", "organization", "organisation", "organizationname", "organisationname", "company",
        "companyname", "employer", "firma", "unternehmen", "empresa", "societe",
    ),
    "title": ("title", "jobtitle", "position", "role", "jobrole", "designation", "funktion", "cargo", "poste"),
    "linkedin_url": (
        "linkedin", "linkedinurl", "linkedinprofile", "linkedinprofileurl", "linkedinlink", "linkedinprofilelink",
    ),
}
HEADER_ALIASES: dict[str, str] = {alias: column for column, aliases in _ALIASES.items() for alias in aliases}

DELIMITERS = (",", ";", "\t", "|")
SNIFF_BYTES = 64 * 1024
READ_CHUNK = 64 * 1024

# Signatures of files people upload by mistake, with what to do instead.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "This is an Excel workbook or another ZIP file, not a CSV: in Excel use File > Save As > CSV UTF-8"),
    (b"\xd0\xcf\x11\xe0", "This is an old Excel (.xls) workbook, not a CSV: in Excel use File > Save As > CSV UTF-8"),
    (b"%PDF", "This is a PDF, not a CSV file"),
    (b"\x89PNG", "This is a PNG image, not a CSV file"),
    (b"\xff\xd8\xff", "This is a JPEG image, not a CSV file"),
    (b"GIF8", "This is a GIF image, not a CSV file"),
    (b"\x1f\x8b", "This is a gzip archive, not a CSV file: unpack it first"),
)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters that never occur in text (tab, LF, CR and form feed excluded).
_BINARY_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f]")
_SEP_LINE = re.compile(r"^\s*sep=(.)\s*$", re.IGNORECASE)


class CsvFormatError(Exception):
    """The file as a whole cannot be imported; `code` is UPPER_SNAKE, `message` says why and what to do."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Row:
    number: int  # spreadsheet row number (header = 1)
    values: tuple[str | None, ...]  # COLUMNS order; stripped; None when blank or absent
    extra_cells: int  # non-empty cells beyond the header's width (a value with an unquoted delimiter)


@dataclass(frozen=True)
class HeaderMap:
    """Which cell of a row holds which field, and what was left out."""

    columns: dict[str, int]  # field (COLUMNS or FULL_NAME) -> cell index
    unknown: list[str] = field(default_factory=list)  # headers that match no field (and no mapping): ignored
    unmapped: list[str] = field(default_factory=list)  # headers the mapping sends to no field: ignored, as asked
    superseded: list[str] = field(default_factory=list)  # a full-name column beside separate name columns: ignored
    mapping_not_found: list[str] = field(default_factory=list)  # headers the mapping names that the file lacks


@dataclass
class CsvFile:
    encoding: str
    delimiter: str
    header: list[str]
    header_map: HeaderMap
    _records: Iterator[list[str]] | None = field(default=None, repr=False)
    _stream: _ByteCounter | None = field(default=None, repr=False)
    _row_number: int = field(default=1, repr=False)

    @property
    def columns(self) -> dict[str, int]:
        return self.header_map.columns

    @property
    def bytes_read(self) -> int:
        return self._stream.count if self._stream else 0

    def label(self, column: str | None) -> str | None:
        """The file's header for a field ("E-mail" for email), None when the file has none; the
        name columns come from the full-name column when that is what the file has."""
        index = self.columns.get(column) if column else None
        if index is None and column in ("first_name", "last_name"):
            index = self.columns.get(FULL_NAME)
        return self.header[index] if index is not None and index < len(self.header) else None

    def rows(self) -> Iterator[Row]:
        """The data rows, in file order; blank lines and rows of empty cells are skipped."""
        if self._records is None:
            raise RuntimeError("rows() can be iterated once")
        records, self._records = self._records, None
        width = len(self.header)
        index = [self.columns.get(column) for column in COLUMNS]
        full_name = self.columns.get(FULL_NAME)
        while True:
            try:
                record = next(records)
            except StopIteration:
                return
            except csv.Error as exc:
                raise _malformed(exc, self._row_number + 1) from None
            except (_Undecodable, UnicodeDecodeError):
                raise _undecodable(self.encoding, self._row_number + 1) from None
            self._row_number += 1
            if not any(cell.strip() for cell in record):
                continue
            cells = [cell.strip() for cell in record[:width]]
            values = [(cells[i] or None) if i is not None and i < len(cells) else None for i in index]
            if full_name is not None and full_name < len(cells) and cells[full_name]:
                first, last = split_full_name(cells[full_name])
                values[1], values[2] = first, last
            extra = sum(1 for cell in record[width:] if cell.strip())
            yield Row(self._row_number, tuple(values), extra)


def split_full_name(name: str) -> tuple[str | None, str | None]:
    """"Ada King Lovelace" -> ("Ada King", "Lovelace"); "Lovelace, Ada" -> ("Ada", "Lovelace"); one word -> first name."""
    name = " ".join(name.split())
    if "," in name:
        last, _, first = name.partition(",")
        return (first.strip() or None), (last.strip() or None)
    first, _, last = name.rpartition(" ")
    if not first:
        return last or None, None
    return first, last


def open_csv(chunks: Iterable[bytes], *, max_bytes: int, mapping: Mapping[str, str | None] | None = None) -> CsvFile:
    """Detect the encoding, dialect and columns of a CSV given as byte chunks; see the module doc."""
    stream = _ByteCounter(iter(chunks), max_bytes)
    sample = stream.peek(SNIFF_BYTES)
    if not sample.strip():
        raise CsvFormatError("CSV_EMPTY", "The file is empty: it needs a header row and at least one attendee")
    encoding = detect_encoding(sample)
    stream.check_nul = not encoding.startswith(("utf-16", "utf-32"))  # wide text has NUL bytes by nature
    # Undecodable bytes become lone surrogates (surrogateescape) and are caught line by line, so
    # the error names the row where they are, not where the decoder's read-ahead met them.
    text = io.TextIOWrapper(
        io.BufferedReader(stream, buffer_size=READ_CHUNK), encoding=encoding, errors="surrogateescape", newline=""
    )
    first_line = _first_line(text, encoding)
    if first_line.startswith("\ufeff"):  # a BOM the codec keeps (utf-16/utf-32 strip theirs)
        first_line = first_line[1:]
    hinted = _SEP_LINE.match(first_line)
    if hinted:
        delimiter = hinted.group(1)
        first_line = _first_line(text, encoding)
    else:
        delimiter = _best_delimiter(first_line, mapping)
    records = _records(first_line, text, delimiter)
    try:
        header = next(records, None)
    except csv.Error as exc:
        raise _malformed(exc, 1) from None
    except (_Undecodable, UnicodeDecodeError):  # surrogateescape cannot stand in for every error (UTF-16)
        raise _undecodable(encoding, 1) from None
    if not header or not any(cell.strip() for cell in header):
        raise CsvFormatError("CSV_EMPTY", "The file has no header row: the first row must name the columns (email, first_name, ...)")
    return CsvFile(
        encoding=encoding,
        delimiter=delimiter,
        header=[cell.strip().lstrip("\ufeff") for cell in header],
        header_map=map_header(header, mapping),
        _records=records,
        _stream=stream,
    )


def detect_encoding(sample: bytes) -> str:
    """The codec for a file starting with `sample`; raises CsvFormatError for binary data."""
    for magic, message in _MAGIC:
        if sample.startswith(magic):
            raise CsvFormatError("CSV_NOT_TEXT", message)
    for bom, codec in _BOMS:
        if sample.startswith(bom):
            return codec
    head = sample[:4096]
    if len(head) >= 4 and b"\x00" in head:
        # UTF-16 without BOM: ASCII text has a NUL in every other byte.
        even, odd = head[0::2], head[1::2]
        if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
            return "utf-16-be"
        raise CsvFormatError("CSV_NOT_TEXT", "The file contains binary data (NUL bytes), not CSV text")
    if len(_BINARY_CONTROL.findall(sample)) > max(2, len(sample) // 1000):
        raise CsvFormatError("CSV_NOT_TEXT", "The file contains binary data (control characters), not CSV text")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)  # a cut multibyte tail is fine
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1252")
    except UnicodeDecodeError:
        raise CsvFormatError(
            "CSV_ENCODING_UNSUPPORTED",
            "The file is neither UTF-8 nor Windows-1252 text: save it as 'CSV UTF-8 (comma delimited)'",
        ) from None
    return "cp1252"


def map_header(header: list[str], mapping: Mapping[str, str | None] | None = None) -> HeaderMap:
    """Field -> cell index for the header, from `mapping` where it names a header and from the
    known spellings otherwise; refuses a header without email or giving a field twice."""
    wanted = {label.strip(): target for label, target in (mapping or {}).items()}
    columns: dict[str, int] = {}
    spelled: dict[str, str] = {}
    unknown: list[str] = []
    unmapped: list[str] = []
    seen: set[str] = set()
    for position, cell in enumerate(header):
        label = cell.strip().lstrip("\ufeff")
        seen.add(label)
        if label in wanted:
            column = wanted[label]
            if column is None:
                unmapped.append(label)
                continue
        else:
            column = HEADER_ALIASES.get(_header_key(label))
            if column is None:
                if label:
                    unknown.append(label)
                continue
        if column in columns:
            raise CsvFormatError(
                "CSV_DUPLICATE_COLUMN",
                f"Two columns give the {column} field ('{spelled[column]}' and '{label}'): "
                f"keep one of them, or map the other to no field",
            )
        columns[column] = position
        spelled[column] = label
    if "email" not in columns:
        shown = ", ".join(f"'{cell.strip()}'" for cell in header[:12] if cell.strip())
        raise CsvFormatError(
            "CSV_MISSING_COLUMN",
            f"No column gives the e-mail address (the columns are {shown or 'not named'}): name a column 'email', "
            "or map the column that holds the addresses to the email field. Each row needs one: it is how "
            "a second import finds the attendee again",
        )
    superseded: list[str] = []
    if FULL_NAME in columns and ("first_name" in columns or "last_name" in columns):
        superseded.append(spelled[FULL_NAME])  # separate name columns win over a combined one
        del columns[FULL_NAME]
    return HeaderMap(
        columns=columns,
        unknown=unknown,
        unmapped=unmapped,
        superseded=superseded,
        mapping_not_found=[label for label in wanted if label not in seen],
    )


def _header_key(label: str) -> str:
    """"Prénom" -> "prenom", "E-Mail Address" -> "emailaddress": accents, case and punctuation aside."""
    folded = unicodedata.normalize("NFKD", label.lstrip("\ufeff").lower())
    return re.sub(r"[^0-9a-z]", "", "".join(c for c in folded if not unicodedata.combining(c)))


def _best_delimiter(line: str, mapping: Mapping[str, str | None] | None = None) -> str:
    """The delimiter that yields the most recognised header cells (then the most cells); comma by default."""
    best, best_score = ",", (-1, -1)
    mapped = {label.strip() for label in (mapping or {})}
    for delimiter in DELIMITERS:
        cells = next(csv.reader([line], delimiter=delimiter), [])
        known = sum(1 for cell in cells if _header_key(cell) in HEADER_ALIASES or cell.strip() in mapped)
        score = (known, len(cells) if len(cells) > 1 else 0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _first_line(text: io.TextIOBase, encoding: str) -> str:
    try:
        line = text.readline()
    except UnicodeDecodeError:
        raise _undecodable(encoding, 1) from None
    if _UNDECODED.search(line):
        raise _undecodable(encoding, 1)
    return line


class _Undecodable(Exception):
    """A line holds bytes the encoding cannot decode."""


_UNDECODED = re.compile("[\udc80-\udcff]")


def _records(first_line: str, text: io.TextIOBase, delimiter: str) -> Iterator[list[str]]:
    def lines() -> Iterator[str]:
        yield first_line
        search = _UNDECODED.search
        for line in text:
            if search(line):
                raise _Undecodable
            yield line

    return csv.reader(lines(), delimiter=delimiter, quotechar='"', doublequote=True, strict=True)


def _malformed(exc: csv.Error, row: int) -> CsvFormatError:
    reason = str(exc)
    if "unexpected end of data" in reason or "field larger than field limit" in reason:
        detail = "a quoted value never ends (unbalanced quotes)"
    elif "expected after" in reason:
        detail = "a quote appears inside a value that is not quoted properly (write \"\" for a quote inside quotes)"
    elif "NUL" in reason:
        detail = "the file contains binary data (NUL bytes)"
    else:
        detail = reason
    return CsvFormatError("CSV_MALFORMED", f"The CSV is malformed at or after row {row}: {detail}")


def _undecodable(encoding: str, row: int) -> CsvFormatError:
    if encoding.startswith("utf-8"):
        hint = "it is not valid UTF-8 there: save the file as 'CSV UTF-8 (comma delimited)'"
    else:
        hint = f"it cannot be read as {encoding}: save the file as 'CSV UTF-8 (comma delimited)'"
    return CsvFormatError("CSV_ENCODING_INVALID", f"The file cannot be decoded at or after row {row}: {hint}")


class _ByteCounter(io.RawIOBase):
    """A raw stream over byte chunks that counts what it hands out, refuses to go past
    max_bytes, and refuses NUL bytes in 8-bit text (binary data mid-file)."""

    def __init__(self, chunks: Iterator[bytes], max_bytes: int):
        self._chunks = chunks
        self._buffer = b""  # the current chunk; bytes before _offset were handed out
        self._offset = 0
        self._buffered = 0  # bytes taken from `chunks` so far
        self.max_bytes = max_bytes
        self.count = 0
        self.check_nul = True

    def readable(self) -> bool:
        return True

    def _next_chunk(self) -> bytes | None:
        chunk = next(self._chunks, None)
        if chunk is not None:
            self._buffered += len(chunk)
            self._check_limit(self._buffered)
        return chunk

    def peek(self, size: int) -> bytes:
        """Up to `size` bytes from the current position, without consuming them."""
        pending = [self._buffer[self._offset :]]
        have = len(pending[0])
        while have < size:
            chunk = self._next_chunk()
            if chunk is None:
                break
            pending.append(chunk)
            have += len(chunk)
        self._buffer, self._offset = b"".join(pending), 0
        return self._buffer[:size]

    def readinto(self, target: memoryview) -> int:  # type: ignore[override]
        while self._offset >= len(self._buffer):
            chunk = self._next_chunk()
            if chunk is None:
                return 0
            self._buffer, self._offset = chunk, 0
        size = min(len(target), len(self._buffer) - self._offset)
        piece = memoryview(self._buffer)[self._offset : self._offset + size]
        self._offset += size
        self.count += size
        if self.check_nul and self._buffer.find(b"\x00", self._offset - size, self._offset) >= 0:
            raise CsvFormatError("CSV_NOT_TEXT", "The file contains binary data (NUL bytes), not CSV text")
        target[:size] = piece
        return size

    def _check_limit(self, seen: int) -> None:
        if seen > self.max_bytes:
            raise CsvFormatError("FILE_TOO_LARGE", f"The file is larger than the {human_size(self.max_bytes)} limit: split it into smaller files")


def human_size(size: int) -> str:
    """20 MiB, 512 KiB, 100 bytes."""
    for unit, factor in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}"
    return f"{size} bytes"

