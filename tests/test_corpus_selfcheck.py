"""The hostile-file corpus (tests/corpus.py) builds what each case claims to be.

Checked with a tool other than the one that built the file where there is one: qpdf for
damage, pypdf for structure written by pikepdf or by hand, pdftk and PyMuPDF for what a
reader of the returned form would see. Nothing here decodes the bomb's content stream.
"""

from __future__ import annotations

import re
import subprocess
import time
import zlib
from pathlib import Path

import pikepdf
import pypdf
import pytest
from pypdf.generic import NameObject, TextStringObject

from tests.conftest import require_tool
from tests.corpus import (
    BOMB_INFLATED,
    CASES,
    NESTING_DEPTH,
    PDFDOC_TEXT,
    UTF16_TEXT,
    bomb_deflate,
    good_form,
)

pymupdf = pytest.importorskip("pymupdf")


@pytest.fixture(scope="module")
def good_dir(minimal_out: Path) -> Path:
    return minimal_out / "m1"


@pytest.fixture
def build(good_dir: Path, tmp_path: Path):
    """build(case) -> the case's file, made from the form it needs (English)."""

    def make(case: str) -> Path:
        good = good_dir / f"{good_form(case)}.en.pdf"
        dst = tmp_path / f"{case}.pdf"
        assert CASES[case](good, dst) == dst
        assert dst.exists()
        return dst

    return make


def qpdf_check(path: Path) -> subprocess.CompletedProcess:
    require_tool("qpdf")
    return subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True, timeout=60)


def pdftk_fields(path: Path) -> str:
    require_tool("pdftk")
    return subprocess.run(
        ["pdftk", str(path), "dump_data_fields_utf8"], check=True, capture_output=True, text=True, timeout=60
    ).stdout


def field_names(path: Path) -> list[str]:
    return re.findall(r"^FieldName: (.*)$", pdftk_fields(path), re.M)


def pypdf_field(reader: pypdf.PdfReader, name: str):
    for ref in reader.trailer["/Root"]["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if field.get("/T") == name:
            return field
    raise KeyError(name)


def kid_with_state(parent, state: str):
    for ref in parent["/Kids"]:
        kid = ref.get_object()
        if f"/{state}" in kid["/AP"]["/N"]:
            return kid
    raise KeyError(state)


@pytest.mark.parametrize("case", list(CASES))
def test_builds_fast_and_deterministic(build, case):
    """Each case builds in under a second and twice to the same bytes, except the encrypted
    ones (qpdf draws the AES-256 key and salts at random)."""
    start = time.perf_counter()
    first = build(case).read_bytes()
    assert time.perf_counter() - start < 1.0
    if case not in ("encrypted", "owner_password_only"):
        assert build(case).read_bytes() == first


# ---------------------------------------------------------------- not a PDF


@pytest.mark.parametrize("case", ["zero_bytes", "garbage", "truncated", "head_zeroed", "png_named_pdf"])
def test_damaged_files_fail_qpdf_check(build, case):
    path = build(case)
    result = qpdf_check(path)
    assert result.returncode in (2, 3), (case, result.returncode, result.stdout, result.stderr)


def test_damaged_files_are_what_they_say(build, good_dir):
    good = (good_dir / f"{good_form('truncated')}.en.pdf").read_bytes()
    assert build("zero_bytes").stat().st_size == 0
    garbage = build("garbage").read_bytes()
    assert len(garbage) == 64 * 1024 and not garbage.startswith(b"%PDF")
    truncated = build("truncated").read_bytes()
    assert truncated == good[: len(good) // 2] and b"%%EOF" not in truncated[-1024:]
    zeroed = build("head_zeroed").read_bytes()
    assert zeroed[:1024] == bytes(1024) and zeroed[1024:] == good[1024:]


def test_png_named_pdf(build):
    Image = pytest.importorskip("PIL.Image")
    path = build("png_named_pdf")
    assert path.suffix == ".pdf"
    with Image.open(path) as img:
        img.load()  # checks the IDAT stream; PIL also checks CRCs
        assert (img.format, img.size) == ("PNG", (1, 1))
    with pytest.raises(pikepdf.PdfError):
        pikepdf.open(path)


# ---------------------------------------------------------------- encryption


def test_encrypted(build):
    path = build("encrypted")
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(path)
    reader = pypdf.PdfReader(path)
    assert reader.is_encrypted
    assert reader.decrypt("secret") != pypdf.PasswordType.NOT_DECRYPTED
    assert reader.trailer["/Encrypt"]["/V"] == 5 and reader.trailer["/Encrypt"]["/R"] == 6  # AES-256
    assert reader.get_fields()


def test_owner_password_only(build):
    path = build("owner_password_only")
    with pikepdf.open(path) as pdf:
        assert pdf.is_encrypted
        assert pdf.encryption.R == 6
        assert pdf.Root.AcroForm.Fields
    with pymupdf.open(path) as doc:
        assert doc.is_encrypted is False or not doc.needs_pass
        assert doc.is_form_pdf


# ---------------------------------------------------------------- hostile structure


def test_deep_nesting(build):
    path = build("deep_nesting")
    data = path.read_bytes()
    opens = max(len(run) for run in re.findall(rb"\[+", data))
    closes = max(len(run) for run in re.findall(rb"\]+", data))
    assert opens == closes == NESTING_DEPTH
    assert data.count(b"%%EOF") == 2  # the good file plus one incremental update
    reader = pypdf.PdfReader(path)  # the newest catalog refers to it (raw_get: not resolved)
    junk = reader.trailer["/Root"].raw_get("/EcvetJunk")
    assert data[reader.xref[0][junk.idnum] :].startswith(b"%d 0 obj\n[[[" % junk.idnum)
    result = qpdf_check(path)
    assert result.returncode == 3 and "deeply nested" in result.stdout + result.stderr
    # qpdf, hence pikepdf, parses the array as null, and a null-valued key does not exist
    with pikepdf.open(path) as pdf:
        assert "/EcvetJunk" not in pdf.Root


def test_reference_loop(build):
    path = build("reference_loop")
    assert qpdf_check(path).returncode == 0  # syntactically fine: only the field tree loops
    reader = pypdf.PdfReader(path)
    fields = [ref.get_object() for ref in reader.trailer["/Root"]["/AcroForm"]["/Fields"]]
    group = next(f for f in fields if "/Kids" in f)
    kid_ref = group["/Kids"][0]
    assert group.raw_get("/Parent").idnum == kid_ref.idnum
    assert kid_ref.get_object()["/Kids"][0].idnum == group.indirect_reference.idnum
    text = next(f for f in fields if f.get("/FT") == "/Tx" and "/Kids" not in f)
    assert text.raw_get("/Parent").idnum == text.indirect_reference.idnum


def test_bomb_deflate_is_sound():
    """The generator, on a small size: decodes to exactly that many zeros, Adler-32 ok."""
    data = bomb_deflate(8 << 20)
    assert zlib.decompress(data) == bytes(8 << 20)


def test_decompression_bomb(build):
    path = build("decompression_bomb")
    assert path.stat().st_size < 5_000_000
    with pikepdf.open(path) as pdf:
        contents = pdf.pages[0].obj.Contents
        assert isinstance(contents, pikepdf.Stream)
        assert contents.Filter == pikepdf.Name.FlateDecode
        raw = contents.read_raw_bytes()  # raw: not decoded
    assert 1 << 20 < len(raw) < 3 << 20
    assert raw == bomb_deflate(BOMB_INFLATED)


def test_javascript(build):
    path = build("javascript")
    reader = pypdf.PdfReader(path)
    action = reader.trailer["/Root"]["/OpenAction"]
    assert action["/S"] == "/JavaScript" and "app.alert('x')" in action["/JS"]
    launch = reader.pages[0]["/AA"]["/O"]
    assert launch["/S"] == "/Launch"


def test_xfa(build):
    path = build("xfa")
    reader = pypdf.PdfReader(path)
    xfa = reader.trailer["/Root"]["/AcroForm"]["/XFA"].get_object()
    assert b"<xdp:xdp" in xfa.get_data()
    assert field_names(path)  # the AcroForm is still there


# ---------------------------------------------------------------- flattened / scanned


@pytest.mark.parametrize("case", ["flattened_pdftk", "flattened_fields_removed"])
def test_flattened(build, case):
    path = build(case)
    assert pdftk_fields(path).strip() == ""
    with pymupdf.open(path) as doc:
        assert not doc.is_form_pdf
        assert not any(True for page in doc for _ in page.widgets())
        assert "Learning Agreement" in doc[0].get_text()


def test_scanned(build):
    path = build("scanned")
    with pymupdf.open(path) as doc:
        assert doc.page_count == 1
        assert doc[0].get_text().strip() == ""
        assert len(doc[0].get_images()) == 1
        assert not doc.is_form_pdf


# ---------------------------------------------------------------- radio returns


def test_preview_radio(build):
    path = build("preview_radio")
    assert "sa_pastry_c02.sa_pastry_c02" in field_names(path)
    reader = pypdf.PdfReader(path)
    parent = pypdf_field(reader, "sa_pastry_c02")
    assert "/V" not in parent and "/FT" not in parent
    kid = kid_with_state(parent, "2")
    assert "/Parent" not in kid
    assert kid["/T"] == "sa_pastry_c02" and kid["/FT"] == "/Btn" and kid["/Ff"] == 49152
    assert isinstance(kid["/V"], NameObject) and kid["/V"] == "/2" and kid["/AS"] == "/2"
    annots = {ref.idnum for page in reader.pages for ref in page.get("/Annots", [])}
    assert kid.indirect_reference.idnum in annots
    with pymupdf.open(path) as doc:  # MuPDF walks /Parent up, so it names the kid plainly
        values = {(w.xref, w.field_name): w.field_value for page in doc for w in page.widgets()}
    assert values[(kid.indirect_reference.idnum, "sa_pastry_c02")] == "2"


def test_radio_string_value(build):
    path = build("radio_string_value")
    reader = pypdf.PdfReader(path)
    parent = pypdf_field(reader, "sa_pastry_c01")
    assert isinstance(parent["/V"], TextStringObject) and parent["/V"] == "/3"
    for ref in parent["/Kids"]:
        kid = ref.get_object()
        assert isinstance(kid["/V"], TextStringObject) and kid["/V"] == "/3"
        assert kid["/AS"] == ("/3" if "/3" in kid["/AP"]["/N"] else "/Off")
    assert re.search(r"FieldName: sa_pastry_c01\n(?:.*\n)*?FieldValue: /3\n", pdftk_fields(path))


def test_radio_kid_as_only(build):
    path = build("radio_kid_as_only")
    reader = pypdf.PdfReader(path)
    parent = pypdf_field(reader, "sa_pastry_c04")
    assert "/V" not in parent
    for ref in parent["/Kids"]:
        kid = ref.get_object()
        assert "/V" not in kid
        assert kid["/AS"] == ("/1" if "/1" in kid["/AP"]["/N"] else "/Off")


def test_radio_conflict(build):
    path = build("radio_conflict")
    reader = pypdf.PdfReader(path)
    parent = pypdf_field(reader, "sa_pastry_c03")
    assert isinstance(parent["/V"], NameObject) and parent["/V"] == "/3"
    assert kid_with_state(parent, "1")["/AS"] == "/1"
    assert kid_with_state(parent, "3")["/AS"] == "/Off"
    on = [ref.get_object()["/AS"] for ref in parent["/Kids"] if ref.get_object()["/AS"] != "/Off"]
    assert on == ["/1"]


# ---------------------------------------------------------------- edited after generation


def page_text(path: Path) -> str:
    with pymupdf.open(path) as doc:
        return doc[0].get_text()


def test_page_edited_unsigned(build, good_dir):
    path = build("page_edited_unsigned")
    assert "EDITED" in page_text(path)
    assert "EDITED" not in page_text(good_dir / f"{good_form('page_edited_unsigned')}.en.pdf")
    assert path.read_bytes().count(b"%%EOF") == 1  # a full save, not an update
    assert field_names(path)


@pytest.mark.parametrize("case", ["page_edited_incremental", "page_edited_incremental_xref_table"])
def test_page_edited_incremental(build, good_dir, case):
    path = build(case)
    good = (good_dir / f"{good_form(case)}.en.pdf").read_bytes()
    data = path.read_bytes()
    assert data.startswith(good) and data.count(b"%%EOF") == 2  # original bytes untouched
    assert qpdf_check(path).returncode == 0
    text = page_text(path)
    assert "EDITED" in text and "Learning Agreement" in text
    reader = pypdf.PdfReader(path)
    assert len(reader.pages[0]["/Contents"]) == 2
    assert "EDITED" in reader.pages[0].extract_text()
    if case == "page_edited_incremental":
        assert field_names(path)  # pdftk follows the xref stream chain
    else:
        assert b"\nxref\n" in data[len(good) :] and b"trailer" in data[len(good) :]


def test_utf16_and_pdfdoc_values(build):
    path = build("utf16_and_pdfdoc_values")
    with pikepdf.open(path) as pdf:
        fields = {str(f.T): f for f in pdf.Root.AcroForm.Fields}
        raw_testing = bytes(fields["pt_testing"].V)
        raw_place = bytes(fields["pt_host_place"].V)
        assert "/AP" not in fields["pt_testing"] and "/AP" not in fields["pt_host_place"]
    assert raw_testing == b"\xfe\xff" + UTF16_TEXT.encode("utf-16-be")
    assert raw_place == b"K\xf6ln"
    values = pypdf.PdfReader(path).get_fields()
    assert values["pt_testing"]["/V"] == UTF16_TEXT
    assert values["pt_host_place"]["/V"] == PDFDOC_TEXT
    dump = pdftk_fields(path)
    assert f"FieldValue: {PDFDOC_TEXT}\n" in dump
    assert "Ștefan Çelik – Ελένη Жукова" in dump
