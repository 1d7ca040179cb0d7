"""The field rule, the document identity and versioned declarations: one definition each,
used by the renderers and by read-back."""

from __future__ import annotations

import dataclasses
import re

import pikepdf
import pytest
from pypdf import PdfReader, PdfWriter

from pipeline import formdefs
from pipeline.context import build_context
from pipeline.errors import PipelineError
from pipeline.fields import DuplicateFieldName, ManifestError, field_specs, manifest, parse_manifest
from pipeline.formdefs import FORMS, Fill, Section
from pipeline.generate import generate
from pipeline.i18n import translator
from pipeline.identity import DocumentIdentity, IdentityError, parse
from pipeline.load import load_cohort
from pipeline.read.agreed import CohortView, compare
from pipeline.read.document import read_path
from pipeline.resolve import resolve
from tests.conftest import MINIMAL
from tests.fillers import FILLERS


def minimal_mobility() -> dict:
    cohort, _ = load_cohort(MINIMAL)
    return resolve(cohort, cohort.mobilities[0])


def test_field_specs_are_what_the_pdf_has(minimal_out):
    mobility = minimal_mobility()
    for form in FORMS.values():
        specs = field_specs(form, mobility)
        with pikepdf.open(minimal_out / "m1" / f"{form.id}.en.pdf") as pdf:
            names = {str(f.T) for f in pdf.Root.AcroForm.Fields} - {"ecvet_document", "ecvet_fields"}
            stored = next(str(f.V) for f in pdf.Root.AcroForm.Fields if f.T == "ecvet_fields")
        assert [s.name for s in specs] and {s.name for s in specs} == names
        assert parse_manifest(stored) == specs  # the document records the rule's output
    sa = {s.name: s for s in field_specs(FORMS["skills-assessment"], mobility)}
    assert sa["sa_pastry_c03"].pointer == "/assessments/pastry/ratings/3"
    assert sa["sa_pastry_c03"].type == "rating" and sa["sa_pastry_c03"].options == ("1", "2", "3", "not_assessed")
    assert sa["sa_supervisor_date"].type == "date" and sa["sa_sig_supervisor"].type == "signature"
    pt = {s.name: s for s in field_specs(FORMS["personal-transcript"], mobility)}
    assert pt["pt_pastry_points"].type == "points" and not pt["pt_pastry_points"].required
    assert pt["pt_learner_place"].party == "learner"


def test_duplicate_field_names_are_an_error():
    sa = FORMS["skills-assessment"]
    twice = Fill("comments", "Comments", "/assessments/x/comments")
    broken = dataclasses.replace(sa, sections=(*sa.sections, Section("9", "Again", (twice, twice))))
    with pytest.raises(DuplicateFieldName, match="two fields would be named 'sa_comments'") as caught:
        field_specs(broken, minimal_mobility())
    assert isinstance(caught.value, PipelineError)


def test_a_manifest_cannot_point_anywhere():
    with pytest.raises(ManifestError, match="which no form has"):
        parse_manifest('{"manifest":1,"fields":[["x","/learner/name","text","host",1]]}')
    with pytest.raises(ManifestError):
        parse_manifest("not json")


def test_identity_composes_and_parses_back():
    ident = DocumentIdentity(mobility="gr01", cohort="spring; 2027=a", form="skills-assessment", lang="de",
                             version="1", content="a" * 64, pages="b" * 64, fields="c" * 64)
    assert parse(ident.compose()) == ident
    assert ";" not in ident.compose().split(";cohort=")[1].split(";")[0].replace("%3B", "")
    old = "ecvet-forms;mobility=m1;cohort=c;form=learning-agreement;lang=en;version=1;hash=" + "d" * 64
    assert parse(old).content == "d" * 64  # the first forms' key name
    with pytest.raises(IdentityError, match="lacks form"):
        parse("ecvet-forms;mobility=m1;cohort=c;lang=en;version=1;content=x")
    with pytest.raises(IdentityError):
        parse("something else")


def test_docx_and_pdf_carry_the_same_identity(minimal_out):
    import docx

    with pikepdf.open(minimal_out / "m1" / "personal-transcript.de.pdf") as pdf:
        in_pdf = parse(next(str(f.V) for f in pdf.Root.AcroForm.Fields if f.T == "ecvet_document"))
    in_docx = parse(docx.Document(minimal_out / "m1" / "personal-transcript.de.docx").core_properties.subject)
    assert in_docx == dataclasses.replace(in_pdf, pages="", fields="")


def test_content_hash_depends_on_the_language_but_not_on_text_encoding(make_cohort):
    mobility = minimal_mobility()
    form = FORMS["learning-agreement"]
    ctx = build_context(form, mobility, translator("en"))
    assert build_context(form, mobility, translator("de"))["identity"].content != ctx["identity"].content
    nfd = make_cohort(lambda c, m: m["learner"].update(
        given_name=__import__("unicodedata").normalize("NFD", m["learner"]["given_name"])), name="nfd")
    assert build_context(form, resolve(*_first(nfd)), translator("en"))["identity"].content == ctx["identity"].content


def _first(folder):
    cohort, _ = load_cohort(folder)
    return cohort, cohort.mobilities[0]


def test_every_widget_owns_its_appearance_streams(minimal_out, tmp_path):
    path = minimal_out / "m1" / "skills-assessment.en.pdf"
    with pikepdf.open(path) as pdf:
        streams = []
        for page in pdf.pages:
            for annot in page.obj.get("/Annots", []):
                normal = annot.get("/AP", {}).get("/N")
                if isinstance(normal, pikepdf.Stream):
                    streams.append(normal.objgen)
                elif isinstance(normal, pikepdf.Dictionary):
                    streams += [normal[k].objgen for k in normal.keys()]
        assert len(streams) == len(set(streams)) > 20
    # pypdf rewrites a field's appearance object in place: the others must stay blank
    writer = PdfWriter(clone_from=PdfReader(path))
    writer.update_page_form_field_values(None, {"sa_supervisor_name": "Ana"}, auto_regenerate=False)
    filled = tmp_path / "filled.pdf"
    writer.write(filled)
    with pikepdf.open(filled) as pdf:
        drawn = [str(f.T) for f in pdf.Root.AcroForm.Fields if f.get("/FT") == "/Tx" and "/AP" in f
                 and re.search(rb"T[jJ]\b", f.AP.N.read_bytes())]
    assert drawn == ["sa_supervisor_name"]


def test_a_form_made_with_an_older_template_version_still_reads_back(minimal_out, tmp_path, monkeypatch):
    """Version 2 renames the comments field; a version-1 return keeps reading with version 1's rule."""
    v1_file = tmp_path / "v1.pdf"
    FILLERS["pdftk"](minimal_out / "m1" / "skills-assessment.en.pdf", v1_file,
                     {"sa_pastry_comments": "Ca la carte", "sa_pastry_c01": "2"})
    v1 = FORMS["skills-assessment"]
    unit_items = v1.sections[1].items[1].items
    renamed = tuple(dataclasses.replace(i, key="notes") if isinstance(i, Fill) else i for i in unit_items)
    v2 = dataclasses.replace(v1, version="2", sections=(
        v1.sections[0],
        dataclasses.replace(v1.sections[1], items=(v1.sections[1].items[0],
                                                   dataclasses.replace(v1.sections[1].items[1], items=renamed))),
        v1.sections[2]))
    monkeypatch.setitem(formdefs.FORMS, "skills-assessment", v2)
    monkeypatch.setitem(formdefs.DECLARATIONS, ("skills-assessment", "2"), v2)
    out = tmp_path / "out"
    generate(MINIMAL, out, langs=["en"], forms=["skills-assessment"], formats=["pdf"])
    with pikepdf.open(out / "minimal" / "m1" / "skills-assessment.en.pdf") as pdf:
        assert "sa_pastry_notes" in {str(f.T) for f in pdf.Root.AcroForm.Fields}
    old = read_path(v1_file)
    assert old["document"]["template_version"] == "1"
    assert old["data"]["assessments"]["pastry"]["comments"] == "Ca la carte"
    assert not [p for p in old["problems"] if "not part of this form" in p["message"]]
    compare(old, CohortView.load(MINIMAL))
    assert old["document"]["agreed_content_matches"] is True  # checked against version 1's declaration
    new = read_path(out / "minimal" / "m1" / "skills-assessment.en.pdf")
    assert new["document"]["template_version"] == "2" and new["data"]["assessments"]["pastry"]["comments"] is None
    assert manifest(field_specs(v2, minimal_mobility())) != manifest(field_specs(v1, minimal_mobility()))
