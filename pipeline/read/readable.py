"""A readable copy of a returned PDF: its text fields redrawn from the stored values.

What a host types in Chrome or Edge is stored exactly, but PDFium draws letters outside
its code pages with fonts it does not embed, or leaves them out (ș ț İ, Greek, Cyrillic:
tests/test_typing.py). The archive keeps the original untouched as evidence, and beside
it this copy, whose appearances pypdf draws from the values with the form's own field
font, so the coordinator sees what the host typed in any viewer. It is a view, not
evidence: re-saving breaks any signature, which the original keeps.
"""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader, PdfWriter

from pipeline.identity import IDENTITY_FIELD, MANIFEST_FIELD


def readable_copy(data: bytes) -> bytes:
    reader = PdfReader(io.BytesIO(data))
    values = {
        name: str(field.get("/V"))
        for name, field in (reader.get_fields() or {}).items()
        if field.get("/FT") == "/Tx" and field.get("/V") and name not in (IDENTITY_FIELD, MANIFEST_FIELD)
    }
    writer = PdfWriter(clone_from=reader)
    # pypdf logs characters its font encoding lacks; with the form's Type0 font there are none
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    writer.update_page_form_field_values(None, values, auto_regenerate=False)
    writer.add_metadata({"/EcvetReadableCopy": "redrawn from the stored values; the original is the evidence"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
