"""Independent PDF form fillers: each simulates a host company filling in a returned form.

Every function has the signature ``fill_<tool>(src, dst, values)``: ``values`` maps field
names to strings; a text field gets its text (any Unicode, "\\n" for line breaks), a radio
group gets the export value of the button to select ("1", "2", "3", "not_assessed"). Each
function selects radio buttons the way its tool normally does, and skips the calling test
(with the package to install) when its tool is missing. Signature fields are never filled.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Callable
from xml.sax.saxutils import quoteattr

import pytest

ROOT = Path(__file__).resolve().parent.parent
JS = Path(__file__).resolve().parent / "js"
FONT = ROOT / "forms" / "fonts" / "DejaVuSans.ttf"

Filler = Callable[[Path, Path, dict[str, str]], None]


def _run(*args: str) -> None:
    result = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if result.returncode:
        raise RuntimeError(f"{' '.join(args[:2])} failed ({result.returncode}): {result.stderr or result.stdout}")


# --- pdftk-java ---------------------------------------------------------------------


def _xml_text(value: str) -> str:
    """Escape for XML character data; CR would be normalized away by the XML parser."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def fill_pdftk(src: Path, dst: Path, values: dict[str, str]) -> None:
    """pdftk-java ``fill_form`` with a UTF-8 XFDF file; rewrites the whole file.

    A radio group gets its export value as the field value, as pdftk's own
    ``dump_data_fields`` lists it (FieldStateOption). ``replacement_font`` lets pdftk draw
    the appearances of text the form's WinAnsi font cannot encode.
    """
    pdftk = shutil.which("pdftk")
    if not pdftk:
        pytest.skip("pdftk is not installed (apt-get install pdftk-java)")
    fields = "".join(
        f"  <field name={quoteattr(name)}><value>{_xml_text(value)}</value></field>\n"
        for name, value in values.items()
    )
    xfdf = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<xfdf xmlns="http://ns.adobe.com/xfdf/" xml:space="preserve">\n'
        f"<fields>\n{fields}</fields>\n</xfdf>\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "values.xfdf"
        data.write_text(xfdf, encoding="utf-8")
        _run(pdftk, str(src), "fill_form", str(data), "output", str(dst), "replacement_font", str(FONT.resolve()))


# --- Node.js: pdf-lib and pdf.js ----------------------------------------------------


def _node_script(script: str, modules: tuple[str, ...], src: Path, dst: Path, values: dict[str, str]) -> None:
    node = shutil.which("node")
    if not node:
        pytest.skip("node is not installed (apt-get install nodejs npm, then npm ci --prefix tests/js)")
    for module in modules:
        if not (JS / "node_modules" / module / "package.json").is_file():
            pytest.skip(f"npm package {module} is not installed (npm ci --prefix tests/js)")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "values.json"
        data.write_text(json.dumps(values, ensure_ascii=False), encoding="utf-8")
        _run(node, str(JS / script), str(src), str(dst), str(data))


def fill_pdflib(src: Path, dst: Path, values: dict[str, str]) -> None:
    """pdf-lib (as in many web apps): setText / RadioGroup.select; rewrites the whole file.

    tests/js/fill-pdflib.mjs draws text appearances with the embedded DejaVu Sans.
    """
    _node_script("fill-pdflib.mjs", ("pdf-lib", "@pdf-lib/fontkit"), src, dst, values)


def fill_pdfjs(src: Path, dst: Path, values: dict[str, str]) -> None:
    """pdf.js, as Firefox fills and downloads a form: annotationStorage, then
    saveDocument(), an incremental update."""
    _node_script("fill-pdfjs.mjs", ("pdfjs-dist",), src, dst, values)


# --- PyMuPDF ------------------------------------------------------------------------


def fill_pymupdf_incremental(src: Path, dst: Path, values: dict[str, str]) -> None:
    """PyMuPDF: set each widget's field_value, widget.update(), then save incrementally.

    A radio button is selected as PyMuPDF's docs say: the widget whose on_state() is the
    export value gets field_value = its on_state(); its siblings are left alone
    (PyMuPDF turns them off itself).
    """
    try:
        import pymupdf
    except ImportError:
        try:
            import fitz as pymupdf  # older PyMuPDF
        except ImportError:
            pytest.skip("PyMuPDF is not installed (pip install pymupdf)")
    shutil.copyfile(src, dst)
    remaining = dict(values)
    doc = pymupdf.open(dst)
    try:
        for page in doc:
            for widget in page.widgets():
                name = widget.field_name
                if name not in values:
                    continue
                value = values[name]
                if widget.field_type == pymupdf.PDF_WIDGET_TYPE_RADIOBUTTON:
                    if widget.on_state() != value:
                        continue
                    widget.field_value = widget.on_state()
                elif widget.field_type == pymupdf.PDF_WIDGET_TYPE_TEXT:
                    widget.field_value = value
                else:
                    raise ValueError(f"{name}: PyMuPDF sees a {widget.field_type_string}, not text or radio")
                widget.update()
                remaining.pop(name, None)
        if remaining:
            raise ValueError(f"PyMuPDF found no widget (or no radio button with that on-state) for {remaining}")
        doc.saveIncr()
    finally:
        doc.close()


# --- PyPDFForm ----------------------------------------------------------------------


def _radio_indices(src: Path, names: set[str]) -> dict[str, list[str]]:
    """Each radio group's on-state names (/AP /N keys other than /Off) in the order
    PyPDFForm counts the group's options: page by page, in each page's /Annots order."""
    import pikepdf

    options: dict[str, list[str]] = {}
    with pikepdf.open(src) as pdf:
        for page in pdf.pages:
            for annot in page.obj.get("/Annots", []):
                parent = annot.get("/Parent")
                if parent is None or str(parent.get("/T", "")) not in names:
                    continue
                if "/AP" not in annot or "/N" not in annot.AP:
                    continue
                on = [str(k)[1:] for k in annot.AP.N.keys() if k != "/Off"]
                options.setdefault(str(parent.T), []).extend(on[:1])
    return options


def fill_pypdfform(src: Path, dst: Path, values: dict[str, str]) -> None:
    """PyPDFForm (behind many web apps): ``PdfWrapper(src).fill(values).write(dst)``.

    PyPDFForm takes a radio group's value as the integer index of the option, counted in
    the order it meets the group's widgets in the pages' /Annots (see its filler.py), so the
    export value is mapped to that index from the widgets' /AP /N on-state names.
    PyPDFForm sets the chosen widget's /AS and the parent's /V but never turns the other
    widgets' /AS to /Off: refilling an already rated form leaves two buttons on.
    """
    try:
        from PyPDFForm import PdfWrapper
        from PyPDFForm.lib.middleware.radio import Radio
    except ImportError:
        pytest.skip("PyPDFForm is not installed (pip install PyPDFForm)")
    wrapper = PdfWrapper(str(src))
    radios = {name for name in values if isinstance(wrapper.widgets.get(name), Radio)}
    options = _radio_indices(src, radios)
    data: dict[str, str | int] = {}
    for name, value in values.items():
        if name not in wrapper.widgets:
            raise ValueError(f"{name}: PyPDFForm sees no such field")
        if name in radios:
            if value not in options.get(name, []):
                raise ValueError(f"{name}: no radio button with export value {value!r} in {options.get(name)}")
            data[name] = options[name].index(value)
        else:
            data[name] = value
    wrapper.fill(data).write(str(dst))


# --- pypdf --------------------------------------------------------------------------


def fill_pypdf_incremental(src: Path, dst: Path, values: dict[str, str]) -> None:
    """pypdf: an incremental writer, update_page_form_field_values(None, ...,
    auto_regenerate=False); a radio group gets the "/name" of its on-state, as pypdf wants.

    In incremental mode pypdf (6.x and 7.x) reads the original from ``fileobj``, not from
    ``clone_from``: ``PdfWriter(clone_from=src, incremental=True)`` opens the default
    fileobj "" and fails with FileNotFoundError. So the reader goes in as ``fileobj``.
    """
    try:
        from pypdf import PdfReader, PdfWriter
    except ImportError:
        pytest.skip("pypdf is not installed (pip install pypdf)")
    writer = PdfWriter(PdfReader(src), incremental=True)
    fields = writer.get_fields() or {}
    data: dict[str, str] = {}
    for name, value in values.items():
        if name not in fields:
            raise ValueError(f"{name}: pypdf sees no such field")
        data[name] = f"/{value}" if fields[name].get("/FT") == "/Btn" else value
    writer.update_page_form_field_values(None, data, auto_regenerate=False)
    with open(dst, "wb") as f:
        writer.write(f)


FILLERS: dict[str, Filler] = {
    "pdftk": fill_pdftk,
    "pdf-lib": fill_pdflib,
    "pdfjs": fill_pdfjs,
    "pymupdf": fill_pymupdf_incremental,
    "pypdfform": fill_pypdfform,
    "pypdf": fill_pypdf_incremental,
}
