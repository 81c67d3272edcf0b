"""A strict reader of Apple's `.strings` format, for checking the pass.strings of a .pkpass.

What it accepts (Apple's "key" = "value"; files, as Wallet and Foundation read them):
- the encoding: UTF-16 with a byte order mark (little or big endian), or UTF-8 with or without
  one; anything that does not decode is refused (no guessing, no replacement characters);
- entries `"key" = "value";` with any whitespace between the tokens, and comments (`/* ... */`,
  `// ...` to the end of the line) between entries;
- in quoted strings the escapes `\\\\`, `\\"`, `\\n`, `\\r`, `\\t`, `\\'` and `\\Uxxxx` / `\\uxxxx`
  (four hex digits); a line break may stand in a string as it is.
What it refuses: an unknown escape, an unquoted key or value, a missing `=` or `;`, a duplicate
key, an unterminated string or comment, anything after the last entry but whitespace and comments.
"""

from __future__ import annotations


class StringsError(ValueError):
    pass


BOMS = ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"), (b"\xef\xbb\xbf", "utf-8"))
SIMPLE_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "r": "\r", "t": "\t"}


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding) of a strings file."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise StringsError(f"not valid {encoding}: {exc}") from None
    if b"\x00" in data:
        raise StringsError("NUL bytes without a byte order mark: UTF-16 needs a BOM")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        raise StringsError(f"neither UTF-16 with a BOM nor UTF-8: {exc}") from None


def parse(data: bytes) -> dict[str, str]:
    text, _ = decode(data)
    return _Parser(text).entries()


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    def fail(self, message: str) -> StringsError:
        line = self.text.count("\n", 0, self.pos) + 1
        return StringsError(f"line {line}: {message}")

    def skip(self) -> None:
        """Whitespace and comments."""
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char.isspace():
                self.pos += 1
            elif self.text.startswith("/*", self.pos):
                end = self.text.find("*/", self.pos + 2)
                if end < 0:
                    raise self.fail("unterminated comment")
                self.pos = end + 2
            elif self.text.startswith("//", self.pos):
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end + 1
            else:
                return

    def expect(self, char: str) -> None:
        self.skip()
        if not self.text.startswith(char, self.pos):
            found = self.text[self.pos : self.pos + 10] or "the end"
            raise self.fail(f"expected {char!r}, found {found!r}")
        self.pos += 1

    def string(self) -> str:
        self.skip()
        if not self.text.startswith('"', self.pos):
            raise self.fail("expected a quoted string")
        self.pos += 1
        out: list[str] = []
        while True:
            if self.pos >= len(self.text):
                raise self.fail("unterminated string")
            char = self.text[self.pos]
            if char == '"':
                self.pos += 1
                return "".join(out)
            if char == "\\":
                self.pos += 1
                escape = self.text[self.pos : self.pos + 1]
                if escape in SIMPLE_ESCAPES:
                    out.append(SIMPLE_ESCAPES[escape])
                    self.pos += 1
                elif escape in ("U", "u"):
                    digits = self.text[self.pos + 1 : self.pos + 5]
                    if len(digits) != 4 or any(d not in "0123456789abcdefABCDEF" for d in digits):
                        raise self.fail(f"\\{escape} needs four hex digits")
                    out.append(chr(int(digits, 16)))
                    self.pos += 5
                else:
                    raise self.fail(f"unknown escape \\{escape}")
                continue
            out.append(char)
            self.pos += 1

    def entries(self) -> dict[str, str]:
        found: dict[str, str] = {}
        self.skip()
        while self.pos < len(self.text):
            key = self.string()
            self.expect("=")
            value = self.string()
            self.expect(";")
            if key in found:
                raise self.fail(f"duplicate key {key!r}")
            found[key] = value
            self.skip()
        return found
