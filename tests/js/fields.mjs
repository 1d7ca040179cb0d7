// Test-only helper: print what pdf.js (Firefox's PDF engine) sees in a PDF as JSON:
// every field with its type and value, and the text of every page.
// Usage: node fields.mjs file.pdf
import { readFile } from "node:fs/promises";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";

const data = new Uint8Array(await readFile(process.argv[2]));
const doc = await getDocument({ data, verbosity: 0 }).promise;
const fields = {};
for (const [name, objects] of Object.entries((await doc.getFieldObjects()) ?? {})) {
  fields[name] = objects.map((o) => ({ type: o.type, value: o.value, exportValues: o.exportValues }));
}
const pages = [];
for (let i = 1; i <= doc.numPages; i++) {
  const content = await (await doc.getPage(i)).getTextContent();
  pages.push(content.items.map((item) => item.str).join(" "));
}
process.stdout.write(JSON.stringify({ fields, pages }));
