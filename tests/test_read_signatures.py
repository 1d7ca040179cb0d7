"""Signed returns: pyHanko signs with a throwaway CA made here; `read` says whether each
signature is intact and trusted, and what changed after it. poppler's pdfsig agrees on
integrity where it can tell."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest

pytest.importorskip("pyhanko")

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402
from pyhanko.sign import signers  # noqa: E402
from pyhanko_certvalidator.registry import SimpleCertificateStore  # noqa: E402

from pipeline.read.document import read_path  # noqa: E402
from tests.corpus import CASES  # noqa: E402
from tests.fillers import FILLERS  # noqa: E402
from tests.test_signing import make_certificates  # noqa: E402


@pytest.fixture(scope="module")
def pki():
    return make_certificates()


def sign(src: Path, dst: Path, field: str, pki) -> Path:
    ca, cert, key = pki
    signer = signers.SimpleSigner(signing_cert=cert, signing_key=key,
                                  cert_registry=SimpleCertificateStore.from_certs([ca]))
    with src.open("rb") as inp, dst.open("wb") as out:
        signers.sign_pdf(IncrementalPdfFileWriter(inp, strict=False),
                         signers.PdfSignatureMetadata(field_name=field), signer=signer, output=out)
    return dst


def entry(result: dict, field: str) -> dict:
    return next(s for s in result["signatures"] if s["field"] == field)


def trust_file(pki, tmp_path: Path) -> list:
    from pipeline.read.signatures import load_trust_roots

    pem = tmp_path / "ca.pem"
    pem.write_bytes(pki[0].dump())  # DER is accepted as well as PEM
    return load_trust_roots([pem])


@pytest.fixture
def signed_sa(minimal_out, tmp_path, pki) -> Path:
    filled = tmp_path / "filled.pdf"
    FILLERS["pymupdf"](minimal_out / "m1" / "skills-assessment.en.pdf", filled,
                       {"sa_pastry_c01": "3", "sa_supervisor_name": "Γιώργος Παπαδόπουλος",
                        "sa_supervisor_place": "Αθήνα", "sa_supervisor_date": "09/04/2027"})
    return sign(filled, tmp_path / "signed.pdf", "sa_sig_supervisor", pki)


def test_signed_and_untouched_is_intact_and_trusted(signed_sa, pki, tmp_path):
    result = read_path(signed_sa, trust_file(pki, tmp_path))
    sig = entry(result, "sa_sig_supervisor")
    assert sig["signed"] and sig["intact"] and sig["valid"] and sig["trusted"] is True
    assert sig["signer"] == "Γιώργος Παπαδόπουλος" and sig["party"] == "supervisor"
    assert sig["coverage"] == "entire_file" and sig["modified_after_signing"] is False
    assert sig["changed_fields"] == [] and sig["signing_time"]
    assert result["data"]["signatures"]["sa"]["supervisor"]["signed"] is True
    assert result["data"]["assessments"]["pastry"]["ratings"]["1"] == 3
    assert read_path(signed_sa)["signatures"][0]["trusted"] is None  # no roots given: not judged
    if shutil.which("pdfsig"):
        report = subprocess.run(["pdfsig", str(signed_sa)], capture_output=True, text=True).stdout
        assert "Signature Validation: Signature is Valid." in report


def test_a_signer_from_another_ca_is_not_trusted(signed_sa, tmp_path):
    other = make_certificates()
    sig = entry(read_path(signed_sa, trust_file(other, tmp_path)), "sa_sig_supervisor")
    assert sig["intact"] and sig["trusted"] is False


@pytest.mark.parametrize("tool", ["pypdf", "pymupdf", "pdfjs"])
def test_a_field_filled_after_signing_is_listed_but_not_a_modification(signed_sa, tmp_path, tool):
    later = tmp_path / f"later-{tool}.pdf"
    FILLERS[tool](signed_sa, later, {"sa_pastry_comments": "Ακόμα ένα σχόλιο – ș ț"})
    assert later.read_bytes().startswith(signed_sa.read_bytes())  # an incremental save
    result = read_path(later)
    sig = entry(result, "sa_sig_supervisor")
    assert sig["intact"] and sig["coverage"] == "entire_revision"
    assert sig["modified_after_signing"] is False
    assert sig["changed_fields"] == ["sa_pastry_comments"]
    assert result["data"]["assessments"]["pastry"]["comments"] == "Ακόμα ένα σχόλιο – ș ț"
    assert any("filled in after the supervisor's signature: sa_pastry_comments" in p["message"]
               for p in result["problems"])


def test_page_content_altered_after_signing_is_a_modification(signed_sa, tmp_path):
    altered = CASES["page_edited_incremental"](signed_sa, tmp_path / "altered.pdf")
    result = read_path(altered)
    sig = entry(result, "sa_sig_supervisor")
    assert sig["intact"] and sig["modified_after_signing"] is True
    assert result["document"]["pages_unchanged"] is False
    assert any("printed pages were changed after the supervisor's signature" in p["message"]
               for p in result["problems"])


@pytest.mark.parametrize("how", ["pikepdf", "qpdf"])
def test_a_signed_file_saved_whole_again_is_not_intact(signed_sa, tmp_path, how):
    rewritten = tmp_path / f"rewritten-{how}.pdf"
    if how == "pikepdf":
        with pikepdf.open(signed_sa) as pdf:
            pdf.save(rewritten)
    else:
        qpdf = shutil.which("qpdf") or pytest.skip("qpdf is not installed (apt-get install qpdf)")
        subprocess.run([qpdf, "--object-streams=generate", str(signed_sa), str(rewritten)], check=True)
    result = read_path(rewritten)
    sig = entry(result, "sa_sig_supervisor")
    assert sig["signed"] and sig["intact"] is False
    assert any("signature is broken" in p["message"] for p in result["problems"])
    if shutil.which("pdfsig"):
        report = subprocess.run(["pdfsig", str(rewritten)], capture_output=True, text=True).stdout
        assert "Signature is Valid" not in report


def test_unsigned_signature_fields_are_reported(minimal_out):
    result = read_path(minimal_out / "m1" / "learning-agreement.en.pdf")
    parties = {s["party"]: s["signed"] for s in result["signatures"]}
    assert parties == {"host": False, "home": False, "learner": False, "intermediary": False, "guardian": False}
    assert sum("not signed" in p["message"] for p in result["problems"]) == 5


def test_read_command_with_trust_and_out(signed_sa, pki, tmp_path):
    import json
    import sys

    from tests.conftest import ROOT

    ca_pem = tmp_path / "ca.pem"
    ca_pem.write_bytes(b"-----BEGIN CERTIFICATE-----\n" + __import__("base64").encodebytes(pki[0].dump())
                       + b"-----END CERTIFICATE-----\n")
    out = tmp_path / "results.jsonl"
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "signed.pdf").write_bytes(signed_sa.read_bytes())
    done = subprocess.run([sys.executable, "-m", "pipeline", "read", str(folder), "--trust", str(ca_pem),
                           "--out", str(out)], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "1 form(s) read" in done.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert entry(result, "sa_sig_supervisor")["trusted"] is True
    bad = subprocess.run([sys.executable, "-m", "pipeline", "read", str(signed_sa), "--trust", str(signed_sa)],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert bad.returncode == 1 and "--trust: cannot load the certificates" in bad.stderr


def test_parties_signing_one_after_the_other(minimal_out, pki, tmp_path):
    """The host signs, then the learner fills in their block and signs: both intact, the
    learner's block is listed as filled after the host's signature, nothing is 'modified'."""
    host = tmp_path / "host.pdf"
    FILLERS["pymupdf"](minimal_out / "m1" / "personal-transcript.en.pdf", host,
                       {"pt_host_name": "Γιώργος Παπαδόπουλος", "pt_host_place": "Αθήνα",
                        "pt_host_date": "09/04/2027", "pt_pastry_achieved": "Σφολιάτα", "pt_testing": "Practical",
                        "pt_result": "Passed"})
    signed_host = sign(host, tmp_path / "host-signed.pdf", "pt_sig_host", pki)
    learner = tmp_path / "learner.pdf"
    FILLERS["pdfjs"](signed_host, learner, {"pt_learner_name": "Иван Петров", "pt_learner_place": "Αθήνα",
                                             "pt_learner_date": "10/04/2027"})
    both = sign(learner, tmp_path / "both.pdf", "pt_sig_learner", pki)
    result = read_path(both, trust_file(pki, tmp_path))
    host_sig, learner_sig = entry(result, "pt_sig_host"), entry(result, "pt_sig_learner")
    assert host_sig["intact"] and learner_sig["intact"] and host_sig["trusted"] and learner_sig["trusted"]
    assert host_sig["modified_after_signing"] is False and learner_sig["modified_after_signing"] is False
    assert host_sig["changed_fields"] == ["pt_learner_date", "pt_learner_name", "pt_learner_place"]
    assert learner_sig["coverage"] == "entire_file" and learner_sig["changed_fields"] == []
    assert result["data"]["signatures"]["pt"]["learner"] == {
        "name": "Иван Петров", "place": "Αθήνα", "date": "2027-04-10", "signed": True}
