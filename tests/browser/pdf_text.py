"""The text of a PDF printed by Chromium (Skia), for tests on a machine without pdftotext or pypdf.

Enough of PDF for Skia's output: FlateDecode streams, Type0 fonts with a ToUnicode CMap (bfchar and
bfrange), and hex strings shown with Tj or TJ. Not a general PDF reader."""

from __future__ import annotations

import re
import zlib

WITHIN_OBJECT = rb"(?:(?!endobj).)*?"
OBJECT = re.compile(rb"(\d+) 0 obj\s*<<(" + WITHIN_OBJECT + rb")>>\s*stream\r?\n", re.S)
FONT_REFS = re.compile(rb"/Font\s*<<(.*?)>>", re.S)
TEXT_OPS = re.compile(rb"/(\w+) [\d.]+ Tf|\[(.*?)\]\s*TJ|<([0-9A-Fa-f]*)>\s*Tj|\bET\b", re.S)


def streams(data: bytes) -> dict[int, tuple[bytes, bytes]]:
    """Object number -> (dictionary, decoded stream) of every stream object."""
    found = {}
    for match in OBJECT.finditer(data):
        length = int(re.search(rb"/Length (\d+)", match.group(2)).group(1))
        raw = data[match.end() : match.end() + length]
        found[int(match.group(1))] = (match.group(2), zlib.decompress(raw) if b"FlateDecode" in match.group(2) else raw)
    return found


def to_unicode(cmap: bytes) -> dict[int, str]:
    """Glyph code -> text, from a ToUnicode CMap."""
    table = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            table[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, start in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            first = int.from_bytes(bytes.fromhex(start.decode()), "big")
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                table[code] = chr(first + offset)
    return table


def font_maps(data: bytes, objects: dict[int, tuple[bytes, bytes]]) -> dict[bytes, dict[int, str]]:
    """Font resource name (e.g. b"F4") -> its glyph map."""
    unicode_of_font = {
        int(num): int(ref)
        for num, ref in re.findall(
            rb"(\d+) 0 obj\s*<</Type /Font\s*/Subtype /Type0" + WITHIN_OBJECT + rb"/ToUnicode (\d+) 0 R", data, re.S
        )
    }
    maps = {}
    for block in FONT_REFS.findall(data):
        for name, ref in re.findall(rb"/(\w+) (\d+) 0 R", block):
            if int(ref) in unicode_of_font:
                maps[name] = to_unicode(objects[unicode_of_font[int(ref)]][1])
    return maps


def pdf_text(data: bytes) -> str:
    """Every string the PDF shows, one text object a line."""
    objects = streams(data)
    fonts = font_maps(data, objects)
    lines, current, table = [], [], {}
    for _, content in objects.values():
        if b"BT" not in content:
            continue
        for match in TEXT_OPS.finditer(content):
            font, array, single = match.groups()
            if font is not None:
                table = fonts.get(font, {})
            elif match.group(0) == b"ET":
                lines.append("".join(current))
                current = []
            else:
                for hex_string in re.findall(rb"<([0-9A-Fa-f]*)>", array) if array is not None else [single]:
                    codes = bytes.fromhex(hex_string.decode())
                    current.extend(
                        table.get(int.from_bytes(codes[i : i + 2], "big"), "") for i in range(0, len(codes), 2)
                    )
    return "\n".join(lines)
