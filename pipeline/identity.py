"""What a generated document is, in one line that survives every filler.

The same identity is written three ways: the PDF's hidden read-only field
`ecvet_document` (field values survive Acrobat, browsers, pdftk and libraries), the PDF's
`/Info` keys (lost by some incremental savers), and the DOCX core properties' subject.
`compose` and `parse` are the only code that knows the format:

    ecvet-forms;mobility=gr01;cohort=demo;form=skills-assessment;lang=en;version=1;content=<sha256>[;pages=<sha256>][;fields=<sha256>]

Values are percent-encoded, so a cohort folder named with `;` or `=` cannot break it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from urllib.parse import quote, unquote

PREFIX = "ecvet-forms"
IDENTITY_FIELD = "ecvet_document"
MANIFEST_FIELD = "ecvet_fields"
# Keys of the PDF document information dictionary, per identity attribute.
INFO_KEYS = {
    "mobility": "/EcvetMobility",
    "cohort": "/EcvetCohort",
    "form": "/EcvetForm",
    "lang": "/EcvetLanguage",
    "version": "/EcvetTemplateVersion",
    "content": "/EcvetContentHash",
    "pages": "/EcvetPagesHash",
    "fields": "/EcvetFieldsHash",
}
_ALIASES = {"hash": "content"}  # the first generated forms wrote the content hash as `hash`


class IdentityError(ValueError):
    """A text that is not a document identity; the message says what is wrong."""


@dataclass(frozen=True)
class DocumentIdentity:
    mobility: str
    cohort: str
    form: str
    lang: str
    version: str
    content: str  # SHA-256 of the agreed content (`pipeline.context.content_hash`)
    pages: str = ""  # SHA-256 of the printed pages' content streams (PDF only)
    fields: str = ""  # SHA-256 of the field manifest (PDF only)

    def compose(self) -> str:
        parts = [f"{k}={quote(v, safe='')}" for k, v in asdict(self).items() if v]
        return ";".join([PREFIX, *parts])

    def with_pdf(self, pages: str, fields_hash: str) -> "DocumentIdentity":
        return replace(self, pages=pages, fields=fields_hash)

    def info(self) -> dict[str, str]:
        """The `/Info` entries of a PDF."""
        return {INFO_KEYS[k]: v for k, v in asdict(self).items() if v}


_REQUIRED = [f.name for f in fields(DocumentIdentity) if f.name not in ("pages", "fields")]


def parse(text: str) -> DocumentIdentity:
    """The identity in `text`, or `IdentityError` saying what is missing."""
    head, _, rest = text.strip().partition(";")
    if head != PREFIX:
        raise IdentityError("it does not start with 'ecvet-forms;'")
    values: dict[str, str] = {}
    for part in rest.split(";"):
        key, sep, value = part.partition("=")
        key = _ALIASES.get(key, key)
        if sep and key in INFO_KEYS:
            values[key] = unquote(value)
    missing = [k for k in _REQUIRED if not values.get(k)]
    if missing:
        raise IdentityError(f"it lacks {', '.join(missing)}")
    return DocumentIdentity(**values)


def from_info(info: dict[str, str]) -> DocumentIdentity:
    """The identity from a PDF's `/Info` keys (when the identity field is gone)."""
    values = {k: info.get(key, "") for k, key in INFO_KEYS.items()}
    missing = [k for k in _REQUIRED if not values.get(k)]
    if missing:
        raise IdentityError(f"the document information lacks {', '.join(missing)}")
    return DocumentIdentity(**values)
