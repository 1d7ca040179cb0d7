"""The fillable PDFs, opened with independent tools: qpdf, poppler, pikepdf, PyMuPDF,
pdftk, pypdf and pyHanko."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pikepdf
from pikepdf import Name
import pytest

from pipeline.context import build_context
from pipeline.formdefs import FORMS
from pipeline.i18n import translator
from pipeline.load import load_cohort
from pipeline.resolve import resolve
from tests.conftest import DEMO, MINIMAL, pdftotext, printed_texts, require_tool, run, squash

FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def contexts(folder: Path):
    """(mobility id, form id, lang, context) for every document of a cohort."""
    cohort, _ = load_cohort(folder)
    for source in cohort.mobilities:
        m = resolve(cohort, source)
        for lang in m["languages"]:
            for form in FORMS.values():
                yield m["id"], form.id, lang, build_context(form, m, translator(lang))


def pdf_path(out: Path, mobility: str, form: str, lang: str) -> Path:
    return out / mobility / f"{form}.{lang}.pdf"


def fields_of(path: Path) -> dict[str, dict]:
    """Each top-level field's type, flags, /DA and (for radio groups) export values."""
    with pikepdf.open(path) as pdf:
        return {
            str(f.T): {
                "FT": str(f.FT), "Ff": int(f.get("/Ff", 0)), "DA": str(f.get("/DA", "")),
                "exports": {str(k) for kid in f.get("/Kids", []) for k in kid.AP.N.keys()} - {"/Off"},
            }
            for f in pdf.Root.AcroForm.Fields
        }


def test_qpdf_check_is_clean_on_every_pdf(demo_out):
    require_tool("qpdf")
    pdfs = sorted(demo_out.rglob("*.pdf"))
    assert len(pdfs) >= 6 * 3 * 2
    for pdf in pdfs:
        result = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
        assert result.returncode == 0, (pdf, result.stdout, result.stderr)
        assert "No syntax or stream encoding errors found" in result.stdout


@pytest.mark.parametrize("folder,out_fixture", [(MINIMAL, "minimal_out"), (DEMO, "demo_out")])
def test_every_label_and_prefilled_value_is_on_the_page(folder, out_fixture, request):
    out = request.getfixturevalue(out_fixture)
    for mobility, form, lang, ctx in contexts(folder):
        text = squash(pdftotext(pdf_path(out, mobility, form, lang)))
        missing = [e for e in printed_texts(ctx) if squash(e) not in text]
        assert not missing, f"{mobility}/{form}.{lang}.pdf lacks {missing[:5]}"


def test_greek_cyrillic_and_escaped_text_on_the_page(minimal_out):
    text = squash(pdftotext(minimal_out / "m1" / "learning-agreement.en.pdf"))
    for value in ("Ελένη Žáková-Łukasik", "Ξενοδοχείο Δοκιμή", "Агенция Мобилност", "Иван Петров",
                  "Test School & Co <Tourism>", "Menu codes use the {{dish}} placeholder & \"quotes\"."):
        assert value in text


def test_fields_match_the_declaration(minimal_out):
    for mobility, form, lang, ctx in contexts(MINIMAL):
        fields = fields_of(pdf_path(minimal_out, mobility, form, lang))
        assert set(fields) == set(ctx["field_map"]) | {"ecvet_document", "ecvet_fields"}, form
        for name, field in fields.items():
            if name in ("ecvet_document", "ecvet_fields"):
                continue
            assert FIELD_NAME.match(name), name
            kind = field["FT"]
            if name.startswith(f"{FORMS[form].code}_sig_"):
                assert kind == "/Sig"
            elif re.search(r"_c\d\d$", name):
                assert kind == "/Btn" and field["Ff"] & (1 << 15)  # radio
                assert field["exports"] == {"/1", "/2", "/3", "/not_assessed"}
            else:
                assert kind == "/Tx"
                assert field["DA"].startswith("/DejaVu ")


def test_field_map_is_one_to_one_json_pointers():
    for _, form, _, ctx in contexts(MINIMAL):
        pointers = list(ctx["field_map"].values())
        assert len(pointers) == len(set(pointers)), form
        assert all(p.startswith("/") and "{" not in p for p in pointers)
    la = next(c for _, f, lang, c in contexts(MINIMAL) if f == "learning-agreement" and lang == "en")
    assert la["field_map"]["la_host_place"] == "/signatures/la/host/place"
    sa = next(c for _, f, lang, c in contexts(MINIMAL) if f == "skills-assessment" and lang == "en")
    assert sa["field_map"]["sa_pastry_c03"] == "/assessments/pastry/ratings/3"


def test_signature_fields_for_every_party_that_signs(minimal_out, demo_out):
    la = fields_of(minimal_out / "m1" / "learning-agreement.en.pdf")
    sigs = {n for n, f in la.items() if f["FT"] == "/Sig"}
    # m1 is a minor with an intermediary: all five parties sign
    assert sigs == {"la_sig_host", "la_sig_home", "la_sig_learner", "la_sig_intermediary", "la_sig_guardian"}
    for party in ("host", "home", "intermediary", "guardian"):
        assert {f"la_{party}_{k}" for k in ("name", "role", "place", "date")} <= set(la)
    assert {"la_learner_name", "la_learner_place", "la_learner_date"} <= set(la)
    pt = fields_of(minimal_out / "m1" / "personal-transcript.en.pdf")
    assert {n for n, f in pt.items() if f["FT"] == "/Sig"} == {"pt_sig_host", "pt_sig_learner"}
    sa = fields_of(minimal_out / "m1" / "skills-assessment.en.pdf")
    assert {n for n, f in sa.items() if f["FT"] == "/Sig"} == {"sa_sig_supervisor"}
    adult = [p for p in demo_out.glob("*/learning-agreement.en.pdf")
             if "la_sig_guardian" not in fields_of(p)]
    assert adult, "adult learners need no guardian signature"


def test_field_font_in_default_resources_and_no_need_appearances(minimal_out):
    """The /DR font is composite (tests/test_typing.py checks its scripts); nothing relies
    on viewers regenerating appearances."""
    with pikepdf.open(minimal_out / "m1" / "personal-transcript.de.pdf") as pdf:
        acroform = pdf.Root.AcroForm
        assert "/NeedAppearances" not in acroform
        font = acroform.DR.Font.DejaVu
        assert font.Subtype == "/Type0" and font.Encoding == "/Identity-H"
        assert font.DescendantFonts[0].FontDescriptor.FontFile2.read_bytes()
        assert int(acroform.SigFlags) == 1


def test_metadata_identifies_the_document(minimal_out):
    with pikepdf.open(minimal_out / "m1" / "skills-assessment.de.pdf") as pdf:
        info = pdf.docinfo
        assert str(info.EcvetMobility) == "m1"
        assert str(info.EcvetForm) == "skills-assessment"
        assert str(info.EcvetLanguage) == "de"
        assert str(info.EcvetTemplateVersion) == FORMS["skills-assessment"].version
        assert re.fullmatch(r"[0-9a-f]{64}", str(info.EcvetContentHash))


def test_a_hidden_field_identifies_the_document_even_after_pdftk_rewrites_it(minimal_out, tmp_path):
    require_tool("pdftk")
    rewritten = tmp_path / "rewritten.pdf"
    # pdftk rewrites the file and replaces the info dictionary: the field must survive
    empty_info = tmp_path / "info.txt"
    empty_info.write_text("InfoBegin\nInfoKey: EcvetMobility\nInfoValue: \n", encoding="utf-8")
    run("pdftk", str(minimal_out / "m1" / "personal-transcript.de.pdf"), "update_info_utf8", str(empty_info),
        "output", str(rewritten))
    value = pdftk_values(rewritten)["ecvet_document"]
    fields = dict(part.split("=", 1) for part in value.split(";")[1:])
    assert value.startswith("ecvet-forms;")
    assert fields["mobility"] == "m1" and fields["form"] == "personal-transcript" and fields["lang"] == "de"
    with pikepdf.open(minimal_out / "m1" / "personal-transcript.de.pdf") as pdf:
        assert fields["content"] == str(pdf.docinfo.EcvetContentHash)
        assert fields["pages"] == str(pdf.docinfo.EcvetPagesHash)
        for name in ("ecvet_document", "ecvet_fields"):
            field = next(f for f in pdf.Root.AcroForm.Fields if f.T == name)
            assert int(field.F) & 2 and int(field.Ff) & 1  # hidden, read-only


def test_long_text_flows_over_pages(demo_out):
    """The demo's longest learning-activities text is printed whole, over several pages."""
    cohort, _ = load_cohort(DEMO)
    longest = max((resolve(cohort, s) for s in cohort.mobilities),
                  key=lambda m: len(str(m["learning_activities"])))
    path = demo_out / longest["id"] / "learning-agreement.en.pdf"
    activities = longest["learning_activities"]
    activities = activities["en"] if isinstance(activities, dict) else activities
    assert len(activities) > 3000
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) >= 5
    assert squash(activities) in squash(pdftotext(path))


def test_pymupdf_sees_the_same_widgets(minimal_out):
    fitz = pytest.importorskip("pymupdf")
    path = minimal_out / "m1" / "skills-assessment.en.pdf"
    with fitz.open(path) as doc:
        widgets = [(w.field_name, w.field_type_string) for page in doc for w in page.widgets()]
    names = {n for n, _ in widgets}
    assert {"sa_pastry_c01", "sa_pastry_comments", "sa_supervisor_name", "sa_sig_supervisor"} <= names
    assert ("sa_pastry_c01", "RadioButton") in widgets
    assert ("sa_sig_supervisor", "Signature") in widgets


def pdftk_values(path: Path) -> dict[str, str]:
    """Field name → value as pdftk reports them (one block per field, split by ---)."""
    values = {}
    for block in run("pdftk", str(path), "dump_data_fields_utf8").split("---\n"):
        entries = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "FieldName" in entries and "FieldValue" in entries:
            values[entries["FieldName"]] = entries["FieldValue"]
    return values


def test_pdftk_fills_and_reads_back_greek_and_polish(minimal_out, tmp_path):
    require_tool("pdftk")
    source = minimal_out / "m1" / "personal-transcript.en.pdf"
    values = {"pt_pastry_achieved": "Ζύμες και ψωμί – Łódź, Ţara", "pt_pastry_points": "4",
              "pt_host_name": "Γιώργος Παπαδόπουλος", "pt_learner_place": "Москва"}
    xfdf = tmp_path / "values.xfdf"
    body = "".join(f'<field name="{k}"><value>{v}</value></field>' for k, v in values.items())
    xfdf.write_text('<?xml version="1.0" encoding="UTF-8"?><xfdf xmlns="http://ns.adobe.com/xfdf/">'
                    f"<fields>{body}</fields></xfdf>", encoding="utf-8")
    filled = tmp_path / "filled.pdf"
    run("pdftk", str(source), "fill_form", str(xfdf), "output", str(filled),
        "replacement_font", str(Path("forms/fonts/DejaVuSans.ttf").resolve()))
    read = pdftk_values(filled)
    for name, value in values.items():
        assert read.get(name) == value
    from pypdf import PdfReader
    assert {k: PdfReader(filled).get_fields()[k].value for k in values} == values


def test_pdftk_selects_a_rating_and_every_reader_agrees(minimal_out, tmp_path):
    fitz = pytest.importorskip("pymupdf")
    require_tool("pdftk")
    source = minimal_out / "m1" / "skills-assessment.de.pdf"
    fdf = tmp_path / "values.xfdf"
    fdf.write_text('<?xml version="1.0" encoding="UTF-8"?><xfdf xmlns="http://ns.adobe.com/xfdf/"><fields>'
                   '<field name="sa_pastry_c01"><value>2</value></field>'
                   '<field name="sa_pastry_c04"><value>not_assessed</value></field></fields></xfdf>', encoding="utf-8")
    filled = tmp_path / "filled.pdf"
    run("pdftk", str(source), "fill_form", str(fdf), "output", str(filled))
    assert pdftk_values(filled)["sa_pastry_c01"] == "2"
    from pypdf import PdfReader
    fields = PdfReader(filled).get_fields()
    assert fields["sa_pastry_c01"].value == "/2" and fields["sa_pastry_c04"].value == "/not_assessed"
    with fitz.open(filled) as doc:
        on = {(w.field_name, w.on_state()) for p in doc for w in p.widgets()
              if w.field_type_string == "RadioButton" and w.field_value not in (False, "Off", None)}
    assert ("sa_pastry_c01", "2") in on and ("sa_pastry_c04", "not_assessed") in on
    with pikepdf.open(filled) as pdf:
        group = next(f for f in pdf.Root.AcroForm.Fields if f.T == "sa_pastry_c01")
        assert group.V == Name("/2")
        assert [str(k.AS) for k in group.Kids] == ["/Off", "/2", "/Off", "/Off"]


def test_pypdf_fill_draws_greek_with_the_embedded_font(minimal_out, tmp_path):
    fitz = pytest.importorskip("pymupdf")
    from pypdf import PdfReader, PdfWriter
    writer = PdfWriter(clone_from=PdfReader(minimal_out / "m1" / "skills-assessment.en.pdf"))
    writer.update_page_form_field_values(None, {"sa_supervisor_name": "Γιώργος Παπαδόπουλος Жж ş ł ț"},
                                         auto_regenerate=False)
    filled = tmp_path / "filled.pdf"
    writer.write(filled)
    with fitz.open(filled) as doc:
        widget = next(w for p in doc for w in p.widgets() if w.field_name == "sa_supervisor_name")
        assert widget.field_value == "Γιώργος Παπαδόπουλος Жж ş ł ț"
    # the appearance stream pypdf wrote uses the /DR TrueType program, so the text is real glyphs
    flat = tmp_path / "flat.pdf"
    writer.flatten = True
    w2 = PdfWriter(clone_from=PdfReader(filled))
    w2.update_page_form_field_values(None, {"sa_supervisor_name": "Γιώργος Παπαδόπουλος Жж ş ł ț"},
                                     auto_regenerate=False, flatten=True)
    w2.remove_annotations(subtypes="/Widget")
    w2.write(flat)
    assert "Γιώργος Παπαδόπουλος Жж ş ł ț" in squash(pdftotext(flat))


def test_pages_render(minimal_out, tmp_path):
    require_tool("pdftoppm")
    run("pdftoppm", "-r", "30", "-png", "-f", "1", "-l", "1",
        str(minimal_out / "m1" / "skills-assessment.de.pdf"), str(tmp_path / "page"))
    png = next(tmp_path.glob("page*.png"))
    assert png.stat().st_size > 2000
