// Test-only: fill a form the way Firefox does (tests/fillers.py): pdf.js keeps what the
// user types in doc.annotationStorage, keyed by widget annotation id, and "Download"
// calls saveDocument(), which appends an incremental update to the original bytes.
// Usage: node fill-pdfjs.mjs src.pdf dst.pdf values.json
import { readFile, writeFile } from "node:fs/promises";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";

const [src, dst, valuesFile] = process.argv.slice(2);
const values = JSON.parse(await readFile(valuesFile, "utf8"));

const doc = await getDocument({ data: new Uint8Array(await readFile(src)), verbosity: 0 }).promise;
const fields = (await doc.getFieldObjects()) ?? {};
for (const [name, value] of Object.entries(values)) {
  const widgets = fields[name];
  if (!widgets) throw new Error(`${name}: no such field in pdf.js's view of ${src}`);
  for (const w of widgets) {
    if (w.kidIds) continue; // the parent field of a radio group: its widgets follow
    if (w.type === "radiobutton") {
      // As the viewer's RadioButtonWidgetAnnotationElement does on a click: the chosen
      // widget gets {value: true}, its siblings {value: false}; exportValues is the
      // widget's buttonValue (its /AP /N on-state name).
      doc.annotationStorage.setValue(w.id, { value: w.exportValues === value });
    } else if (w.type === "text") {
      doc.annotationStorage.setValue(w.id, { value });
    } else {
      throw new Error(`${name}: pdf.js sees a ${w.type}, not a text field or radio button`);
    }
  }
  if (widgets.some((w) => w.type === "radiobutton") && !widgets.some((w) => w.exportValues === value)) {
    throw new Error(`${name}: no radio button with export value ${value}`);
  }
}
await writeFile(dst, await doc.saveDocument());
await doc.destroy();
