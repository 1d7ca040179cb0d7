"""Check the digital signatures of a returned form with pyHanko, and say what changed after.

Per signature: whether the signed bytes are intact, whether the signer chains to a root
the coordinator trusts (`--trust`), how much of the file it covers, and what was changed
after signing. pyHanko's difference analysis rates widget restyling by pdf.js or PyMuPDF
(`/M`, `/BS`, `/MK` added while filling) as "other" changes, i.e. like forgery
(returns.md), so `modified_after_signing` is decided on what matters here: the printed
pages at the signed revision against the final file (`pipeline.pages`), and the fields
whose values changed after the signature are listed separately. pyHanko's own verdict is
reported too (`modification_level`).
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any, Callable

import pikepdf

COVERAGE = {"ENTIRE_FILE": "entire_file", "ENTIRE_REVISION": "entire_revision"}
# Changes after signing that leave the signed content alone.
BENIGN_LEVELS = {"NONE", "LTA_UPDATES", "FORM_FILLING", "ANNOTATIONS"}


class SignatureCheckError(ValueError):
    """The signatures could not be checked at all (a broken signature dictionary)."""


def load_trust_roots(paths: list[Path]) -> list[Any]:
    """Certificates (PEM or DER) the coordinator trusts as roots."""
    from pyhanko.keys import load_certs_from_pemder

    return list(load_certs_from_pemder([str(p) for p in paths]))


def _signer_name(sig: Any) -> str | None:
    try:
        subject = sig.signer_cert.subject.native
        return subject.get("common_name") or subject.get("organization_name")
    except Exception:  # noqa: BLE001 - a certificate without a readable subject
        return None


def check_signatures(
    data: bytes,
    trust_roots: list[Any] | None,
    state_at: Callable[[bytes], tuple[str, dict[str, Any]]],
    final_state: tuple[str, dict[str, Any]],
) -> dict[str, dict[str, Any]]:
    """Per signature field name, what the signature says.

    `state_at(prefix)` gives (pages digest, field values) of the file cut at a signed
    revision's end; `final_state` the same for the whole file.
    """
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko_certvalidator import ValidationContext

    # pyHanko logs an untrusted signer's path-building failure with a traceback; the
    # result says it plainly instead.
    for logger in ("pyhanko", "pyhanko_certvalidator"):
        logging.getLogger(logger).setLevel(logging.CRITICAL)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise SignatureCheckError(f"its signatures cannot be read ({exc})") from exc
    context = ValidationContext(trust_roots=list(trust_roots or []), allow_fetching=False)
    usage = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"}, match_all_key_usages=False)
    final_pages, final_values = final_state
    results: dict[str, dict[str, Any]] = {}
    for sig in embedded:
        entry: dict[str, Any] = {"signed": True, "signer": _signer_name(sig)}
        when = sig.self_reported_timestamp
        entry["signing_time"] = when.isoformat() if when else None
        try:
            status = validate_pdf_signature(sig, context, key_usage_settings=usage)
            entry["intact"] = bool(status.intact)
            entry["valid"] = bool(status.valid)
            entry["trusted"] = bool(status.trusted) if trust_roots else None
            entry["coverage"] = COVERAGE.get(status.coverage.name, "partial") if status.coverage else "partial"
            level = status.modification_level.name if status.modification_level else None
            entry["modification_level"] = level.lower() if level else None
        except Exception as exc:  # noqa: BLE001 - pyHanko raises many kinds on broken signatures
            entry.update(intact=False, valid=False, trusted=False if trust_roots else None, coverage="partial",
                         modification_level=None, error=str(exc)[:200])
        byte_range = [int(x) for x in sig.sig_object.get("/ByteRange", [])]
        signed_end = byte_range[2] + byte_range[3] if len(byte_range) == 4 else len(data)
        if entry["intact"] and signed_end < len(data):
            pages, values = state_at(data[:signed_end])
            changed = sorted(k for k in set(values) | set(final_values) if values.get(k) != final_values.get(k))
            entry["changed_fields"] = changed
            entry["modified_after_signing"] = pages != final_pages
        else:
            entry["changed_fields"] = []
            entry["modified_after_signing"] = False if entry["intact"] else None
        results[sig.field_name] = entry
    return results


def page_state(prefix: bytes, read_values: Callable[[pikepdf.Pdf], dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    from pipeline.pages import pages_digest

    with pikepdf.open(io.BytesIO(prefix)) as pdf:
        return pages_digest(pdf), read_values(pdf)
