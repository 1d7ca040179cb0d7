// Test-only: fill a form the way a web app built on pdf-lib does (tests/fillers.py).
// Usage: node fill-pdflib.mjs src.pdf dst.pdf values.json
// values.json maps field names to strings; a radio group gets its export value.
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import fontkit from "@pdf-lib/fontkit";
import { PDFDocument, PDFRadioGroup, PDFTextField } from "pdf-lib";

const [src, dst, valuesFile] = process.argv.slice(2);
const values = JSON.parse(await readFile(valuesFile, "utf8"));
const FONT = fileURLToPath(new URL("../../forms/fonts/DejaVuSans.ttf", import.meta.url));

const doc = await PDFDocument.load(await readFile(src));
const form = doc.getForm();
for (const [name, value] of Object.entries(values)) {
  const field = form.getField(name);
  if (field instanceof PDFRadioGroup) {
    form.getRadioGroup(name).select(value);
  } else if (field instanceof PDFTextField) {
    form.getTextField(name).setText(value);
  } else {
    throw new Error(`${name}: pdf-lib sees a ${field.constructor.name}, not a text field or radio group`);
  }
}
// pdf-lib draws the appearance of every changed text field on save, by default with
// Helvetica (WinAnsi): that throws on ş, ł, ș, Greek or Cyrillic. So we did the first
// option: embed DejaVu Sans through @pdf-lib/fontkit and draw the appearances with it
// (form.updateFieldAppearances(font)), then save without a second, Helvetica pass.
// The font is embedded whole (subset: false) so that a later filler or viewer that
// reuses the appearance font finds every glyph. {updateFieldAppearances: false} alone
// was not needed: it keeps /V but leaves the old, empty appearances in place and sets
// no /NeedAppearances, so most viewers would show the fields blank.
doc.registerFontkit(fontkit);
const font = await doc.embedFont(await readFile(FONT), { subset: false });
form.updateFieldAppearances(font);
await writeFile(dst, await doc.save({ updateFieldAppearances: false }));
