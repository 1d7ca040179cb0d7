"""What counts as a document's printed pages, for telling whether they were altered.

The digest covers each page's decoded content streams in order and the page count: the
drawn text and lines the school agreed. Form fields are annotations, not page content, so
filling them (in any viewer, incremental or full rewrite) leaves the digest unchanged,
while an edited, added or removed page changes it.
"""

from __future__ import annotations

import hashlib

import pikepdf


def _contents(page: pikepdf.Dictionary) -> list[pikepdf.Stream]:
    contents = page.get("/Contents")
    if contents is None:
        return []
    if isinstance(contents, pikepdf.Array):
        return [c for c in contents if isinstance(c, pikepdf.Stream)]
    return [contents] if isinstance(contents, pikepdf.Stream) else []


def pages_digest(pdf: pikepdf.Pdf) -> str:
    digest = hashlib.sha256(f"pages:{len(pdf.pages)}".encode())
    for page in pdf.pages:
        digest.update(b"\npage\n")
        for stream in _contents(page.obj):
            digest.update(stream.read_bytes())
    return digest.hexdigest()
