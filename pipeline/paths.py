"""Where the project's data lives: form resources sit beside the package in the checkout."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORMS_DIR = ROOT / "forms"
SCHEMA_DIR = FORMS_DIR / "schema"
TEMPLATES_DIR = FORMS_DIR / "templates"
LOCALES_DIR = FORMS_DIR / "locales"
FONTS_DIR = FORMS_DIR / "fonts"
