"""ecvet-forms: ECVET mobility paperwork from validated JSON to localized DOCX and fillable PDF."""

__version__ = "0.1.0"
