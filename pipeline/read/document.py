"""Read one returned file (PDF, XFDF or FDF) into the returned-data shape.

This is the part that touches untrusted bytes; `sandbox` runs it in a child process
with limits. It never writes: pikepdf and pyHanko read from memory. A file that cannot
be read as a form raises `UnreadableFile` with what happened and what to do; everything
else (empty answers, unparseable dates, altered pages, missing signatures) is a problem
in the result, because the coordinator needs the rest of the data anyway.
"""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path
from typing import Any

import pikepdf

from pipeline.errors import PipelineError
from pipeline.fields import FieldSpec, ManifestError, parse_manifest
from pipeline.identity import IDENTITY_FIELD, MANIFEST_FIELD, DocumentIdentity, IdentityError, from_info, parse
from pipeline.pages import pages_digest
from pipeline.read.exports import ExportError, looks_like_fdf, looks_like_xfdf, read_fdf, read_xfdf
from pipeline.read.mapping import ERROR, WARNING, map_fields
from pipeline.read.pdf_fields import FieldTreeError, RawField, read_fields, text_of

ASK_AGAIN = "ask the host to send the PDF file they saved again"
BY_HAND = ("ask the host for the fillable PDF they saved; failing that, open the form we sent "
           "(outputs/<cohort>/<mobility>/<form>.<lang>.pdf), type in the answers from this copy, "
           "save it and ingest that file, keeping this one as evidence")
MAGIC = {b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"PK\x03\x04": "a ZIP file (DOCX, XLSX, ...)",
         b"II*\x00": "a TIFF image", b"MM\x00*": "a TIFF image", b"\xd0\xcf\x11\xe0": "an old Office document"}


REPAIRED = re.compile(r"damaged|reconstruct|recover", re.I)
GARBLED = re.compile("[\ufffd\x00-\x08\x0b\x0e-\x1f]")  # undecodable bytes, control characters


def _qpdf_reason(exc: Exception) -> str:
    """qpdf's message without the stream's repr, cut to a line."""
    return re.sub(r"^stream <[^>]*>(?: \([^)]*\))?: ", "", str(exc))[:120]


def _looks_like_pdf(data: bytes) -> bool:
    """A PDF header, or a PDF body whose header was damaged (qpdf can often rebuild it)."""
    return b"%PDF-" in data[:1024] or (b"endobj" in data[:65536] and b"%%EOF" in data[-2048:])


class UnreadableFile(PipelineError):
    """A returned file that cannot be read as a form; the message says why and what to do."""


def source_of(data: bytes, name: str) -> dict[str, Any]:
    return {"file": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _not_a_form(data: bytes) -> str:
    if not data:
        return f"is empty (0 bytes): {ASK_AGAIN}"
    for magic, what in MAGIC.items():
        if data.startswith(magic):
            return f"is {what}, not a PDF form: {BY_HAND}"
    return f"is not a PDF, XFDF or FDF file: {ASK_AGAIN}"


def _identity(raw: dict[str, RawField], info: dict[str, str]) -> DocumentIdentity:
    field = raw.get(IDENTITY_FIELD)
    reasons = []
    if field is not None and field.value:
        try:
            return parse(field.value)
        except IdentityError as exc:
            reasons.append(f"its identity field is damaged ({exc})")
    try:
        return from_info(info)
    except IdentityError:
        pass
    why = "; ".join(reasons) or "it has no ecvet-forms identity field"
    raise UnreadableFile(f"is not a form made by ecvet-forms ({why}): check that it is the file we sent, "
                         f"or {ASK_AGAIN}")


def _specs(raw: dict[str, RawField], identity: DocumentIdentity, problems: list[dict[str, str]]) -> list[FieldSpec]:
    field = raw.get(MANIFEST_FIELD)
    if field is None or not field.value:
        raise UnreadableFile("has lost the list of its fields (hidden field 'ecvet_fields'), so its values cannot "
                             f"be mapped: {ASK_AGAIN}")
    if identity.fields and hashlib.sha256(field.value.encode()).hexdigest() != identity.fields:
        problems.append({"severity": ERROR, "field": MANIFEST_FIELD,
                         "message": "the form's hidden list of fields was changed after we generated it"})
    try:
        return parse_manifest(field.value)
    except ManifestError as exc:
        raise UnreadableFile(f"has a damaged list of its fields ({exc}): {ASK_AGAIN}") from exc


def _active_content(pdf: pikepdf.Pdf) -> list[str]:
    """Scripts and actions we never run but a coordinator should know about."""
    found = []
    root = pdf.Root
    acroform = root.get("/AcroForm")
    if isinstance(acroform, pikepdf.Dictionary) and "/XFA" in acroform:
        found.append("an XFA form (ignored; the AcroForm fields were read)")
    names = root.get("/Names")
    if "/OpenAction" in root or "/AA" in root or (isinstance(names, pikepdf.Dictionary) and "/JavaScript" in names):
        found.append("document actions or JavaScript (never run)")
    if any("/AA" in page.obj for page in pdf.pages):
        found.append("page actions (never run)")
    return found


def _no_fields(pdf: pikepdf.Pdf, info: dict[str, str]) -> str:
    """Why a PDF without fields cannot be read, naming the form when its /Info still can."""
    try:
        ident = from_info(info)
        known = f" (it was the {ident.form} of mobility {ident.mobility})"
    except IdentityError:
        known = ""
    acroform = pdf.Root.get("/AcroForm")
    xfa = " It holds only an XFA form, which is not read." if isinstance(acroform, pikepdf.Dictionary) \
        and "/XFA" in acroform else ""
    return (f"has no form fields{known}: it was flattened, printed and scanned, or saved with 'Print to PDF'."
            f"{xfa} To get its answers, {BY_HAND}")


def _field_values(raw: dict[str, RawField]) -> dict[str, Any]:
    """What each field holds, to compare two revisions of one file. Signature fields are
    left out: parties signing one after the other is how a form is meant to be signed."""
    return {name: (f.value, tuple(w.state for w in f.widgets)) for name, f in raw.items() if f.kind != "Sig"}


def _read_pdf(data: bytes, problems: list[dict[str, str]]) -> tuple[pikepdf.Pdf, dict[str, RawField]]:
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError as exc:
        raise UnreadableFile("is protected with a password: ask the host to save it again without a password "
                             "(File › Properties › Security › No security)") from exc
    except (pikepdf.PdfError, ValueError, RuntimeError) as exc:
        raise UnreadableFile(f"is a damaged or incomplete PDF that cannot be opened ({_qpdf_reason(exc)}): "
                             f"{ASK_AGAIN}") from exc
    if any(REPAIRED.search(w) for w in pdf.get_warnings()):
        problems.append({"severity": ERROR, "field": "",
                         "message": "the file is damaged and was repaired to be read: values may be missing "
                                    f"or wrong; {ASK_AGAIN}"})
    try:
        return pdf, read_fields(pdf)
    except FieldTreeError as exc:
        raise UnreadableFile(f"has a broken form ({exc}): {ASK_AGAIN}") from exc
    except (pikepdf.PdfError, RecursionError) as exc:
        raise UnreadableFile(f"is a damaged PDF whose form cannot be read ({_qpdf_reason(exc)}): {ASK_AGAIN}") from exc


def _signature_entries(specs: list[FieldSpec], raw: dict[str, RawField],
                       checked: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    entries = []
    for spec in (s for s in specs if s.type == "signature"):
        signed = bool(raw.get(spec.name) and raw[spec.name].signed)
        entry = {"field": spec.name, "party": spec.party, "signed": signed, "signer": None, "signing_time": None,
                 "intact": None, "valid": None, "trusted": None, "coverage": None, "modification_level": None,
                 "modified_after_signing": None, "changed_fields": []}
        if signed and spec.name not in checked:
            entry.update(intact=False, error="the signature could not be checked")
        entry.update(checked.get(spec.name, {}))
        entries.append(entry)
    return entries


def _signature_problems(entries: list[dict[str, Any]], trusting: bool, problems: list[dict[str, str]]) -> None:
    for e in entries:
        if not e["signed"]:
            continue
        who = f"the {e['party']}'s signature"
        if not e["intact"]:
            problems.append({"severity": ERROR, "field": e["field"],
                             "message": f"{who} is broken: the signed bytes were changed (the file was re-saved "
                                        "whole after signing, or altered)"})
        elif e["modified_after_signing"]:
            problems.append({"severity": ERROR, "field": e["field"],
                             "message": f"the printed pages were changed after {who}"})
        if e["intact"] and e["changed_fields"]:
            problems.append({"severity": WARNING, "field": e["field"],
                             "message": f"filled in after {who}: {', '.join(e['changed_fields'])}"})
        if trusting and e["intact"] and e["trusted"] is False:
            problems.append({"severity": WARNING, "field": e["field"],
                             "message": f"{who} is not from a certificate you trust (--trust)"})


def read_bytes(data: bytes, name: str, trust_roots: list[Any] | None = None) -> dict[str, Any]:
    """The read result of one file (see forms/schema/returned.schema.json)."""
    try:
        return _read(data, name, trust_roots)
    except pikepdf.PdfError as exc:  # a stream that fails to decode, found late
        if "bad_alloc" in str(exc):
            raise MemoryError from exc
        raise UnreadableFile(f"is a damaged PDF ({_qpdf_reason(exc)}): {ASK_AGAIN}") from exc
    except UnicodeDecodeError as exc:  # a name or string pikepdf cannot decode where none was expected
        raise UnreadableFile(f"is a damaged PDF (text that is not valid UTF-8 where a name belongs): "
                             f"{ASK_AGAIN}") from exc


def _read(data: bytes, name: str, trust_roots: list[Any] | None) -> dict[str, Any]:
    problems: list[dict[str, str]] = []
    pdf = None
    info: dict[str, str] = {}
    if looks_like_xfdf(data) or looks_like_fdf(data):
        fmt = "xfdf" if looks_like_xfdf(data) else "fdf"
        try:
            raw = read_xfdf(data) if fmt == "xfdf" else read_fdf(data)
        except ExportError as exc:
            raise UnreadableFile(f"{exc}: {ASK_AGAIN}") from exc
    elif _looks_like_pdf(data):
        fmt = "pdf"
        pdf, raw = _read_pdf(data, problems)
        info = {str(k): text_of(v) for k, v in pdf.docinfo.items() if isinstance(v, pikepdf.String)}
        if not raw.keys() - {IDENTITY_FIELD, MANIFEST_FIELD}:
            raise UnreadableFile(_no_fields(pdf, info))
    else:
        raise UnreadableFile(_not_a_form(data))

    identity = _identity(raw, info)
    specs = _specs(raw, identity, problems)
    mapped = map_fields(raw, specs, identity.lang, export=fmt != "pdf")
    problems += mapped.problems
    for field in raw.values():
        if field.value and GARBLED.search(field.value):
            problems.append({"severity": WARNING, "field": field.name,
                             "message": "holds bytes that are not valid text (shown as \ufffd): check this value "
                                        "with the host"})
    pages_unchanged = None
    checked: dict[str, dict[str, Any]] = {}
    if pdf is not None:
        with pdf:
            for what in _active_content(pdf):
                problems.append({"severity": WARNING, "field": "", "message": f"the file contains {what}"})
            final_pages = pages_digest(pdf)
            if identity.pages:
                pages_unchanged = final_pages == identity.pages
                if not pages_unchanged:
                    problems.append({"severity": ERROR, "field": "",
                                     "message": "the printed pages were changed after the form was generated "
                                                "(agreed content may have been edited)"})
            if any(f.signed for f in raw.values()):
                from pipeline.read.signatures import SignatureCheckError, check_signatures, page_state

                try:
                    checked = check_signatures(
                        data, trust_roots,
                        lambda prefix: page_state(prefix, lambda p: _field_values(read_fields(p))),
                        (final_pages, _field_values(raw)))
                except SignatureCheckError as exc:
                    problems.append({"severity": ERROR, "field": "", "message": str(exc)})
    signatures = _signature_entries(specs, raw, checked)
    _signature_problems(signatures, bool(trust_roots), problems)
    return {
        "source": source_of(data, name),
        "document": {
            "format": fmt, "mobility": identity.mobility, "cohort": identity.cohort, "form": identity.form,
            "lang": identity.lang, "template_version": identity.version, "content_hash": identity.content,
            "agreed_content_matches": None, "pages_unchanged": pages_unchanged,
        },
        "data": mapped.data,
        "signatures": signatures,
        "problems": problems,
    }


def read_path(path: Path, trust_roots: list[Any] | None = None, max_bytes: int = 64 << 20) -> dict[str, Any]:
    """`read_bytes` of a file on disk, refusing what no form can be (not a regular file, too big)."""
    if not path.is_file():
        raise UnreadableFile("is not a regular file")
    size = path.stat().st_size
    if size > max_bytes:
        raise UnreadableFile(f"is {size >> 20} MB, more than any returned form ({max_bytes >> 20} MB): "
                             f"{ASK_AGAIN}")
    return read_bytes(path.read_bytes(), path.name, trust_roots)
