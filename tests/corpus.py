"""Broken, hostile and oddly-returned PDFs derived from a good generated form.

Each `make_<case>(good, dst)` writes `dst` from the good file `good` and returns `dst`.
They are fast (well under a second each) and use only pikepdf, pypdf and the standard
library; `flattened_pdftk` needs pdftk and `scanned` needs PyMuPDF (both skip when absent).
Output is byte-for-byte deterministic, except for the two encrypted cases: qpdf draws the
AES-256 file key and salts from its random source and offers no way to fix them.

`CASES` maps a case name to its builder; `GOOD_FORM` names the form (file stem without the
language) a case must be built from; every other case takes any form, by default
`DEFAULT_FORM`.

Hand-written incremental updates (`_append_update`) add objects after the good file's
`%%EOF`, then a cross-reference section for them and a trailer with `/Prev` pointing at the
good file's last one. The update's section is an xref stream, as Acrobat writes when the
file it updates ends in one (ours do); `page_edited_incremental_xref_table` uses a classic
`xref` table and `trailer` instead.
"""

from __future__ import annotations

import random
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path
from typing import Callable

import pikepdf
from pikepdf import Array, Dictionary, Name, String

DEFAULT_FORM = "learning-agreement"
NESTING_DEPTH = 100_000
BOMB_INFLATED = 2 * 1024**3  # bytes of zeros the bomb stream inflates to
RADIO_STATES = ("1", "2", "3", "not_assessed")
UTF16_TEXT = "Ștefan Çelik – Ελένη Жукова\r\nline two"
PDFDOC_TEXT = "Köln"


# ---------------------------------------------------------------- helpers


def _save(pdf: pikepdf.Pdf, dst: Path, **kwargs) -> Path:
    """A full save that gives the same bytes every time (no random /ID, no timestamps)."""
    kwargs.setdefault("deterministic_id", True)
    pdf.save(dst, **kwargs)
    return dst


def _field(pdf: pikepdf.Pdf, name: str) -> pikepdf.Dictionary:
    """The terminal or parent field whose fully qualified name is `name` (one level deep here)."""
    for field in pdf.Root.AcroForm.Fields:
        if str(field.get("/T", "")) == name:
            return field
    raise KeyError(f"no field {name!r} in /AcroForm /Fields")


def _kid(parent: pikepdf.Dictionary, state: str) -> pikepdf.Dictionary:
    """The radio kid widget whose /AP /N has the 'on' state `state`."""
    for kid in parent.Kids:
        if Name("/" + state) in kid.AP.N:
            return kid
    raise KeyError(f"no kid with state /{state} in {parent.get('/T')}")


def _last_startxref(data: bytes) -> int:
    found = re.findall(rb"startxref\s+(\d+)", data[-2048:])
    if not found:
        raise ValueError("no startxref in the last 2 KiB of the good file")
    return int(found[-1])


def _obj(num: int, body: bytes) -> bytes:
    return b"%d 0 obj\n" % num + body + b"\nendobj\n"


def _stream_obj(num: int, data: bytes, extra: bytes = b"") -> bytes:
    head = b"<< /Length %d%s >>\nstream\n" % (len(data), extra)
    return _obj(num, head + data + b"\nendstream")


def _append_update(
    good: Path,
    dst: Path,
    objects: Callable[[pikepdf.Pdf, int], dict[int, bytes]],
    xref_table: bool = False,
) -> Path:
    """Copy `good` to `dst` and append an incremental update by hand.

    `objects(pdf, next_free)` gets the good file open read-only and the first unused object
    number, and returns {object number: complete "N 0 obj ... endobj" bytes}; numbers below
    next_free replace existing objects (generation 0), the others are new.

    The update's cross-reference section is an uncompressed xref stream (its dictionary is
    the trailer, with /Prev), as Acrobat writes when updating a file whose last section is an
    xref stream, like ours. With `xref_table=True` it is a classic `xref` table and `trailer`
    instead: legal for pypdf, qpdf and MuPDF, but pdftk (iText) cannot follow a classic
    table's /Prev into an xref stream and reports "catalog not found".
    """
    data = good.read_bytes()
    with pikepdf.open(good) as pdf:
        size = int(pdf.trailer.Size)
        new = objects(pdf, size)
        root = pdf.Root.objgen[0]
        info = pdf.trailer.get("/Info")
        ids = pdf.trailer.get("/ID")
        tail = b" /Root %d 0 R" % root
        if info is not None:
            tail += b" /Info %d %d R" % info.objgen
        if ids is not None:
            tail += b" /ID " + ids.unparse()
    prev = _last_startxref(data)
    out = bytearray(data)
    if not out.endswith(b"\n"):
        out += b"\n"
    offsets: dict[int, int] = {}
    for num in sorted(new):
        offsets[num] = len(out)
        out += new[num]
    xref_num = max(size, max(offsets) + 1)  # the xref stream's own number (unused in table mode)
    xref_at = len(out)
    if not xref_table:
        offsets[xref_num] = xref_at
    nums = sorted(offsets)
    runs: list[list[int]] = []
    for num in nums:
        if runs and runs[-1][-1] == num - 1:
            runs[-1].append(num)
        else:
            runs.append([num])
    new_size = max(size, nums[-1] + 1)
    if xref_table:  # one subsection per run of consecutive numbers, 20-byte entries
        out += b"xref\n"
        for run_ in runs:
            out += b"%d %d\n" % (run_[0], len(run_))
            for num in run_:
                out += b"%010d 00000 n \n" % offsets[num]
        out += b"trailer\n<< /Size %d%s /Prev %d >>\n" % (new_size, tail, prev)
    else:  # /W [1 4 2]: type 1 (in use, at offset), 4-byte offset, generation 0
        rows = b"".join(struct.pack(">BIH", 1, offsets[num], 0) for num in nums)
        index = b" ".join(b"%d %d" % (r[0], len(r)) for r in runs)
        head = b"<< /Type /XRef /Size %d /W [1 4 2] /Index [%s]%s /Prev %d /Length %d >>\nstream\n" % (
            new_size, index, tail, prev, len(rows))
        out += _obj(xref_num, head + rows + b"\nendstream")
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    dst.write_bytes(bytes(out))
    return dst


def _dict_with(obj: pikepdf.Object, **entries: bytes) -> bytes:
    """The dictionary `obj` serialized (indirect references kept as "N G R"), with raw PDF
    syntax `entries` added or replaced; an entry of b"" removes the key."""
    body = Dictionary({k: v for k, v in obj.items() if k[1:] not in entries})
    text = body.unparse(resolved=True)
    assert text.endswith(b">>")
    extra = b"".join(b" /%s %s" % (k.encode(), v) for k, v in entries.items() if v)
    return text[:-2] + extra + b" >>"


def _ref(obj: pikepdf.Object) -> bytes:
    return b"%d %d R" % obj.objgen


def _png_1x1() -> bytes:
    """A valid 1×1 RGB PNG, written by hand."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1×1, 8 bit, truecolour, no interlace
    raw = b"\x00" + b"\xd0\x30\x2a"  # filter byte 0, one red-ish pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def bomb_deflate(inflated: int = BOMB_INFLATED, segment: int = 1 << 20) -> bytes:
    """A zlib stream of `inflated` zeros (a multiple of `segment`), built without holding them.

    After a Z_FULL_FLUSH the compressor forgets its history, so every later segment of zeros
    compresses to the same bytes: compress two, then repeat the second. The Adler-32 of n
    zeros is (n mod 65521) << 16 | 1. Deflate tops out near 1032:1, so 2 GiB needs ~2 MiB.
    """
    if inflated % segment:
        raise ValueError("inflated size must be a multiple of the segment size")
    zeros = bytes(segment)
    comp = zlib.compressobj(9)
    first = comp.compress(zeros) + comp.flush(zlib.Z_FULL_FLUSH)  # carries the zlib header
    again = comp.compress(zeros) + comp.flush(zlib.Z_FULL_FLUSH)
    final_block = comp.flush()[:-4]  # empty final block; its Adler-32 is for 2 segments only
    adler = ((inflated % 65521) << 16) | 1
    count = inflated // segment
    return first + again * (count - 1) + final_block + struct.pack(">I", adler)


# ---------------------------------------------------------------- not a PDF at all


def make_zero_bytes(good: Path, dst: Path) -> Path:
    dst.write_bytes(b"")
    return dst


def make_garbage(good: Path, dst: Path) -> Path:
    dst.write_bytes(random.Random(7).randbytes(64 * 1024))
    return dst


def make_png_named_pdf(good: Path, dst: Path) -> Path:
    dst.write_bytes(_png_1x1())
    return dst


def make_truncated(good: Path, dst: Path) -> Path:
    data = good.read_bytes()
    dst.write_bytes(data[: len(data) // 2])
    return dst


def make_head_zeroed(good: Path, dst: Path) -> Path:
    data = good.read_bytes()
    dst.write_bytes(bytes(1024) + data[1024:])
    return dst


# ---------------------------------------------------------------- encryption


def make_encrypted(good: Path, dst: Path) -> Path:
    """User password "secret" (owner "owner-secret"), AES-256 (R6). Not byte-deterministic."""
    with pikepdf.open(good) as pdf:
        pdf.save(dst, encryption=pikepdf.Encryption(user="secret", owner="owner-secret", R=6))
    return dst


def make_owner_password_only(good: Path, dst: Path) -> Path:
    """Owner password, empty user password, AES-256, printing/editing forbidden: opens
    without a password. Not byte-deterministic."""
    perms = pikepdf.Permissions(modify_annotation=False, modify_form=False, modify_other=False, extract=False)
    with pikepdf.open(good) as pdf:
        pdf.save(dst, encryption=pikepdf.Encryption(user="", owner="owner-secret", R=6, allow=perms))
    return dst


# ---------------------------------------------------------------- hostile structure


def make_deep_nesting(good: Path, dst: Path) -> Path:
    """Incremental update: catalog gets /EcvetJunk -> an array nested NESTING_DEPTH deep."""

    def objects(pdf: pikepdf.Pdf, free: int) -> dict[int, bytes]:
        junk = b"[" * NESTING_DEPTH + b"]" * NESTING_DEPTH
        root = pdf.Root
        return {
            free: _obj(free, junk),
            root.objgen[0]: _obj(root.objgen[0], _dict_with(root, EcvetJunk=b"%d 0 R" % free)),
        }

    return _append_update(good, dst, objects)


def make_reference_loop(good: Path, dst: Path) -> Path:
    """Incremental update with two cycles in the field tree:

    * the first radio group and its first kid are each other's /Parent and /Kids
      (parent /Parent -> kid, kid /Kids [parent]), so walking down /Kids or up /Parent loops
      (a form without radio groups: two other top-level fields, A /Parent B and B /Kids [A]);
    * the first text field's /Parent is itself.
    """

    def objects(pdf: pikepdf.Pdf, free: int) -> dict[int, bytes]:
        fields = list(pdf.Root.AcroForm.Fields)
        text = next(f for f in fields if f.get("/FT") == Name.Tx and "/Kids" not in f)
        group = next((f for f in fields if "/Kids" in f), None)
        if group is not None:
            kid = group.Kids[0]
        else:  # a form without radio groups: two top-level fields become each other's kid
            group, kid = [f for f in fields if f.objgen != text.objgen][:2]
        g, k, t = group.objgen[0], kid.objgen[0], text.objgen[0]
        return {
            g: _obj(g, _dict_with(group, Parent=_ref(kid))),
            k: _obj(k, _dict_with(kid, Kids=b"[" + _ref(group) + b"]")),
            t: _obj(t, _dict_with(text, Parent=_ref(text))),
        }

    return _append_update(good, dst, objects)


def make_decompression_bomb(good: Path, dst: Path) -> Path:
    """Page 1's content stream replaced by ~2 MiB of Flate data inflating to 2 GiB of zeros.

    Saved with stream_decode_level=none so qpdf copies the raw bytes and never inflates them.
    """
    data = bomb_deflate()
    with pikepdf.open(good) as pdf:
        stream = pdf.make_stream(b"")
        stream.write(data, filter=Name.FlateDecode)
        pdf.pages[0].obj.Contents = stream
        _save(pdf, dst, stream_decode_level=pikepdf.StreamDecodeLevel.none, recompress_flate=False)
    return dst


def make_javascript(good: Path, dst: Path) -> Path:
    """Document /OpenAction JavaScript app.alert('x') and a /Launch action in page 1's /AA /O."""
    with pikepdf.open(good) as pdf:
        pdf.Root.OpenAction = pdf.make_indirect(Dictionary(Type=Name.Action, S=Name.JavaScript, JS=String("app.alert('x');")))
        launch = Dictionary(Type=Name.Action, S=Name.Launch, F=String("calc.exe"), NewWindow=True)
        pdf.pages[0].obj.AA = Dictionary(O=pdf.make_indirect(launch))
        _save(pdf, dst)
    return dst


XFA_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/">
<template xmlns="http://www.xfa.org/schema/xfa-template/3.3/">
<subform name="form1" layout="tb" locale="en_GB">
<pageSet><pageArea name="Page1"><contentArea x="0.25in" y="0.25in" w="8in" h="10.5in"/>
<medium stock="a4" short="210mm" long="297mm"/></pageArea></pageSet>
<subform w="8in" h="10in"><field name="xfa_only" w="3in" h="0.3in"><ui><textEdit/></ui>
<value><text>from XFA</text></value></field></subform>
</subform>
</template>
<xfa:datasets xmlns:xfa="http://www.xfa.org/schema/xfa-data/1.0/">
<xfa:data><form1><xfa_only>from XFA</xfa_only></form1></xfa:data>
</xfa:datasets>
</xdp:xdp>
"""


def make_xfa(good: Path, dst: Path) -> Path:
    """/AcroForm /XFA: a minimal XDP stream (a template with one field plus its datasets)."""
    with pikepdf.open(good) as pdf:
        pdf.Root.AcroForm.XFA = pdf.make_stream(XFA_XML)
        _save(pdf, dst)
    return dst


# ---------------------------------------------------------------- flattened / scanned returns


def make_flattened_pdftk(good: Path, dst: Path) -> Path:
    pdftk = shutil.which("pdftk")
    if not pdftk:
        import pytest

        pytest.skip("pdftk is not installed (apt-get install pdftk-java)")
    subprocess.run([pdftk, str(good), "output", str(dst), "flatten"], check=True, capture_output=True, timeout=60)
    return dst


def make_flattened_fields_removed(good: Path, dst: Path) -> Path:
    """No /AcroForm and no /Widget annotations; the page text stays (print-to-PDF return)."""
    with pikepdf.open(good) as pdf:
        del pdf.Root["/AcroForm"]
        for page in pdf.pages:
            annots = page.obj.get("/Annots")
            if annots is None:
                continue
            keep = [a for a in annots if a.get("/Subtype") != Name.Widget]
            if keep:
                page.obj.Annots = Array(keep)
            else:
                del page.obj["/Annots"]
        _save(pdf, dst)
    return dst


def make_scanned(good: Path, dst: Path) -> Path:
    """Page 1 rendered at 50 dpi and placed as the only content of a one-page PDF."""
    try:
        import pymupdf
    except ImportError:  # test-only dependency
        import pytest

        pytest.skip("PyMuPDF is not installed")
    with pymupdf.open(good) as src:
        page = src[0]
        pix = page.get_pixmap(dpi=50)
        rect = page.rect
    with pymupdf.open() as out:
        new = out.new_page(width=rect.width, height=rect.height)
        new.insert_image(new.rect, pixmap=pix)
        out.set_metadata({})
        out.save(dst, garbage=4, deflate=True, no_new_id=True)
    return dst


# ---------------------------------------------------------------- radio buttons as viewers return them


def make_preview_radio(good: Path, dst: Path) -> Path:
    """macOS Preview: sa_pastry_c02 = "2" lands on the chosen kid, which gets /T, /FT, /Ff,
    /V /2 and /AS /2 and loses /Parent, but stays in the parent's /Kids and the page's
    /Annots. /FT, /Ff and /V move off the parent; /T is copied, not moved, so that walking
    down from /AcroForm /Fields yields "sa_pastry_c02.sa_pastry_c02" (a parent without /T
    would make that walk yield plain "sa_pastry_c02")."""
    with pikepdf.open(good) as pdf:
        parent = _field(pdf, "sa_pastry_c02")
        kid = _kid(parent, "2")
        kid.T = parent.T  # copied: the parent keeps its name (see the docstring)
        for key in ("/FT", "/Ff"):
            kid[key] = parent[key]
            del parent[key]
        kid.V = Name("/2")
        kid.AS = Name("/2")
        del kid["/Parent"]
        if "/V" in parent:
            del parent["/V"]
        _save(pdf, dst)
    return dst


def make_radio_string_value(good: Path, dst: Path) -> Path:
    """sa_pastry_c01 /V is the text string "/3" (not a name) on the parent and every kid."""
    with pikepdf.open(good) as pdf:
        parent = _field(pdf, "sa_pastry_c01")
        parent.V = String("/3")
        for kid in parent.Kids:
            kid.V = String("/3")
            kid.AS = Name.Off
        _kid(parent, "3").AS = Name("/3")
        _save(pdf, dst)
    return dst


def make_radio_kid_as_only(good: Path, dst: Path) -> Path:
    """sa_pastry_c04: only the "1" kid's /AS is /1; no /V anywhere."""
    with pikepdf.open(good) as pdf:
        parent = _field(pdf, "sa_pastry_c04")
        for obj in (parent, *parent.Kids):
            if "/V" in obj:
                del obj["/V"]
        _kid(parent, "1").AS = Name("/1")
        _save(pdf, dst)
    return dst


def make_radio_conflict(good: Path, dst: Path) -> Path:
    """sa_pastry_c03: parent /V /3, but the kid showing "on" is /1 and the /3 kid is Off."""
    with pikepdf.open(good) as pdf:
        parent = _field(pdf, "sa_pastry_c03")
        parent.V = Name("/3")
        for kid in parent.Kids:
            kid.AS = Name.Off
        _kid(parent, "1").AS = Name("/1")
        _save(pdf, dst)
    return dst


# ---------------------------------------------------------------- edited after generation

EDIT_CONTENT = b"q BT /EcvetEdit 24 Tf 1 0 0 rg 72 72 Td (EDITED) Tj ET Q\n"


def make_page_edited_unsigned(good: Path, dst: Path) -> Path:
    """Page 1 gets an extra content stream drawing "EDITED" (full save by pikepdf)."""
    with pikepdf.open(good) as pdf:
        page = pdf.pages[0]
        font = pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica))
        page.add_resource(font, Name.Font, Name("/EcvetEdit"))
        page.contents_add(pdf.make_stream(EDIT_CONTENT), prepend=False)
        _save(pdf, dst)
    return dst


def _page_edit_objects(pdf: pikepdf.Pdf, free: int) -> dict[int, bytes]:
    """A Helvetica font, a content stream drawing "EDITED", and a new version of page 1 with
    /Contents [old new] and the font added to its own (now direct) /Resources."""
    page = pdf.pages[0].obj
    font_num, stream_num = free, free + 1
    old = page.Contents
    old_refs = b" ".join(_ref(c) for c in old) if isinstance(old, Array) else _ref(old)
    resources = Dictionary(dict(page.Resources.items()))  # a copy, indirect refs kept
    fonts = Dictionary(dict(resources.get("/Font", Dictionary()).items()))
    fonts_text = fonts.unparse(resolved=True)[:-2] + b" /EcvetEdit %d 0 R >>" % font_num
    contents = b"[" + old_refs + b" %d 0 R]" % stream_num
    num = page.objgen[0]
    return {
        font_num: _obj(font_num, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"),
        stream_num: _stream_obj(stream_num, EDIT_CONTENT),
        num: _obj(num, _dict_with(page, Contents=contents, Resources=_dict_with(resources, Font=fonts_text))),
    }


def make_page_edited_incremental(good: Path, dst: Path) -> Path:
    """Hand-written incremental update (xref stream) that adds "EDITED" to page 1."""
    return _append_update(good, dst, _page_edit_objects)


def make_page_edited_incremental_xref_table(good: Path, dst: Path) -> Path:
    """As page_edited_incremental, but the update has a classic xref table and trailer
    whose /Prev points at the good file's xref stream (pdftk cannot open it)."""
    return _append_update(good, dst, _page_edit_objects, xref_table=True)


# ---------------------------------------------------------------- string encodings


def make_utf16_and_pdfdoc_values(good: Path, dst: Path) -> Path:
    """Personal transcript: pt_testing /V in UTF-16BE with BOM, pt_host_place /V in
    PDFDocEncoding ("Köln" as K \\xf6 l n), both without appearance streams."""
    with pikepdf.open(good) as pdf:
        testing = _field(pdf, "pt_testing")
        testing.V = String(b"\xfe\xff" + UTF16_TEXT.encode("utf-16-be"))
        place = _field(pdf, "pt_host_place")
        place.V = String(PDFDOC_TEXT.encode("latin-1"))
        for field in (testing, place):
            if "/AP" in field:
                del field["/AP"]
        _save(pdf, dst)
    return dst


CASES: dict[str, Callable[[Path, Path], Path]] = {
    "zero_bytes": make_zero_bytes,
    "garbage": make_garbage,
    "png_named_pdf": make_png_named_pdf,
    "truncated": make_truncated,
    "head_zeroed": make_head_zeroed,
    "encrypted": make_encrypted,
    "owner_password_only": make_owner_password_only,
    "deep_nesting": make_deep_nesting,
    "reference_loop": make_reference_loop,
    "decompression_bomb": make_decompression_bomb,
    "javascript": make_javascript,
    "xfa": make_xfa,
    "flattened_pdftk": make_flattened_pdftk,
    "flattened_fields_removed": make_flattened_fields_removed,
    "scanned": make_scanned,
    "preview_radio": make_preview_radio,
    "radio_string_value": make_radio_string_value,
    "radio_kid_as_only": make_radio_kid_as_only,
    "radio_conflict": make_radio_conflict,
    "page_edited_unsigned": make_page_edited_unsigned,
    "page_edited_incremental": make_page_edited_incremental,
    "page_edited_incremental_xref_table": make_page_edited_incremental_xref_table,
    "utf16_and_pdfdoc_values": make_utf16_and_pdfdoc_values,
}

# the form a case needs (file stem without language); the rest accept any, DEFAULT_FORM by default
GOOD_FORM: dict[str, str] = {
    "preview_radio": "skills-assessment",
    "radio_string_value": "skills-assessment",
    "radio_kid_as_only": "skills-assessment",
    "radio_conflict": "skills-assessment",
    "reference_loop": "skills-assessment",
    "utf16_and_pdfdoc_values": "personal-transcript",
}


def good_form(case: str) -> str:
    return GOOD_FORM.get(case, DEFAULT_FORM)


# ---------------------------------------------------------------- hostile (tests/test_hostile.py)

MANY_FIELDS = 10_000
HUGE_JUNK = 100 * 1024**2  # bytes of the unused junk stream in `huge_file`
BAD_UTF16 = {  # field -> /V bytes no text codec accepts as they are
    "pt_testing": b"\xfe\xff\x00A\x00B\x00",  # UTF-16BE BOM, odd length
    "pt_result": b"\xfe\xff\xd8\x00\x00A\xdc\x00",  # lone high surrogate, then a lone low one
    "pt_host_place": b"\xff\xfeA\x00\x00\xd8",  # UTF-16LE BOM (not PDF's), ends in a lone surrogate
    "pt_host_role": b"\xfe\xff",  # a BOM and nothing else
    "pt_learner_place": b"\xef\xbb\xbf\xff\xfe\xc3(",  # PDF 2.0 UTF-8 BOM, then invalid UTF-8
}


def make_object_loop(good: Path, dst: Path) -> Path:
    """Incremental update with reference loops outside the field tree: the catalog's
    /EcvetLoop is A with /Next B and B with /Next A; /EcvetSelf is an object whose value is a
    reference to itself; page 1's /Parent is page 1 (inherited /Resources, /MediaBox loop)."""

    def objects(pdf: pikepdf.Pdf, free: int) -> dict[int, bytes]:
        a, b, c = free, free + 1, free + 2
        root, page = pdf.Root, pdf.pages[0].obj
        r, p = root.objgen[0], page.objgen[0]
        return {
            a: _obj(a, b"<< /Next %d 0 R /Self %d 0 R >>" % (b, a)),
            b: _obj(b, b"<< /Next %d 0 R >>" % a),
            c: _obj(c, b"%d 0 R" % c),
            r: _obj(r, _dict_with(root, EcvetLoop=b"%d 0 R" % a, EcvetSelf=b"%d 0 R" % c)),
            p: _obj(p, _dict_with(page, Parent=b"%d 0 R" % p)),
        }

    return _append_update(good, dst, objects)


def make_field_tree_cycle(good: Path, dst: Path) -> Path:
    """Incremental update: three new named fields A → B → C → A through /Kids (each the
    next's /Parent), A listed in /AcroForm /Fields twice, and an existing text field that is
    its own kid."""

    def objects(pdf: pikepdf.Pdf, free: int) -> dict[int, bytes]:
        a, b, c = free, free + 1, free + 2
        acro = pdf.Root.AcroForm
        fields = list(acro.Fields)
        text = next(f for f in fields if f.get("/FT") == Name.Tx and "/Kids" not in f)
        t = text.objgen[0]
        refs = b" ".join(_ref(f) for f in fields)
        new = {
            a: _obj(a, b"<< /T (cycle_a) /FT /Tx /Kids [%d 0 R] /Parent %d 0 R >>" % (b, c)),
            b: _obj(b, b"<< /T (cycle_b) /Kids [%d 0 R] /Parent %d 0 R >>" % (c, a)),
            c: _obj(c, b"<< /T (cycle_c) /Kids [%d 0 R] /Parent %d 0 R >>" % (a, b)),
            t: _obj(t, _dict_with(text, Kids=b"[%d 0 R]" % t)),
        }
        if acro.is_indirect:
            n = acro.objgen[0]
            new[n] = _obj(n, _dict_with(acro, Fields=b"[%s %d 0 R %d 0 R]" % (refs, a, a)))
        else:  # /AcroForm direct in the catalog
            root = pdf.Root
            fixed = _dict_with(acro, Fields=b"[%s %d 0 R %d 0 R]" % (refs, a, a))
            new[root.objgen[0]] = _obj(root.objgen[0], _dict_with(root, AcroForm=fixed))
        return new

    return _append_update(good, dst, objects)


def make_many_fields(good: Path, dst: Path) -> Path:
    """MANY_FIELDS extra text fields (junk_00000 ...), each its own widget on page 1 with a
    value, in /AcroForm /Fields and page 1's /Annots."""
    with pikepdf.open(good) as pdf:
        page = pdf.pages[0].obj
        annots = page.get("/Annots")
        annots = list(annots) if isinstance(annots, Array) else []
        fields = list(pdf.Root.AcroForm.Fields)
        for i in range(MANY_FIELDS):
            x, y = 20 + (i % 50) * 11, 20 + (i // 50) * 3 % 700
            widget = pdf.make_indirect(Dictionary(
                Type=Name.Annot, Subtype=Name.Widget, FT=Name.Tx, T=String(f"junk_{i:05d}"),
                V=String(f"value {i}"), Rect=Array([x, y, x + 10, y + 3]), P=page, F=4))
            annots.append(widget)
            fields.append(widget)
        page.Annots = Array(annots)
        pdf.Root.AcroForm.Fields = Array(fields)
        _save(pdf, dst)
    return dst


def make_bad_utf16_values(good: Path, dst: Path) -> Path:
    """Personal transcript: BAD_UTF16's /V bytes in five text fields, appearances removed,
    and the same garbage as /Info /Subject."""
    with pikepdf.open(good) as pdf:
        for name, raw in BAD_UTF16.items():
            field = _field(pdf, name)
            field.V = String(raw)
            if "/AP" in field:
                del field["/AP"]
        pdf.docinfo["/Subject"] = String(BAD_UTF16["pt_learner_place"])
        _save(pdf, dst)
    return dst


def make_huge_file(good: Path, dst: Path, junk: int = HUGE_JUNK) -> Path:
    """The good form with an unused stream of `junk` bytes of random-looking data appended as
    an incremental update (a real xref section, so the file stays valid). Written in 1 MiB
    chunks, never held in memory; the caller deletes it."""
    data = good.read_bytes()
    with pikepdf.open(good) as pdf:
        num = int(pdf.trailer.Size)
        tail = b" /Root %d 0 R" % pdf.Root.objgen[0]
        if pdf.trailer.get("/Info") is not None:
            tail += b" /Info %d %d R" % pdf.trailer.Info.objgen
        if pdf.trailer.get("/ID") is not None:
            tail += b" /ID " + pdf.trailer.ID.unparse()
    chunk = random.Random(100).randbytes(1 << 20)
    with open(dst, "wb") as out:
        out.write(data if data.endswith(b"\n") else data + b"\n")
        at = out.tell()
        out.write(b"%d 0 obj\n<< /Length %d >>\nstream\n" % (num, junk))
        for start in range(0, junk, len(chunk)):
            out.write(chunk[: junk - start])
        out.write(b"\nendstream\nendobj\n")
        xref_at = out.tell()
        rows = struct.pack(">BIH", 1, at, 0) + struct.pack(">BIH", 1, xref_at, 0)
        head = b"<< /Type /XRef /Size %d /W [1 4 2] /Index [%d 2]%s /Prev %d /Length %d >>\nstream\n" % (
            num + 2, num, tail, _last_startxref(data), len(rows))
        out.write(_obj(num + 1, head + rows + b"\nendstream"))
        out.write(b"startxref\n%d\n%%%%EOF\n" % xref_at)
    return dst


CASES.update({
    "object_loop": make_object_loop,
    "field_tree_cycle": make_field_tree_cycle,
    "many_fields": make_many_fields,
    "bad_utf16_values": make_bad_utf16_values,
})  # not make_huge_file: 100 MB per build is too much for test_corpus_selfcheck's kept tmp_path
GOOD_FORM["bad_utf16_values"] = "personal-transcript"
