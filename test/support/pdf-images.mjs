// Prints the images each page of the PDF on stdin draws, as JSON [{ page, width, height }], read by Mozilla's pdf.js (pdfjs-dist).
import { getDocument, OPS } from 'pdfjs-dist/legacy/build/pdf.mjs';

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const doc = await getDocument({ data: new Uint8Array(Buffer.concat(chunks)), isEvalSupported: false, verbosity: 0 }).promise;
const PAINTS = new Set([OPS.paintImageXObject, OPS.paintInlineImageXObject, OPS.paintImageXObjectRepeat]);
const images = [];
for (let i = 1; i <= doc.numPages; i++) {
  const ops = await (await doc.getPage(i)).getOperatorList();
  ops.fnArray.forEach((fn, k) => {
    if (PAINTS.has(fn)) images.push({ page: i, width: ops.argsArray[k][1], height: ops.argsArray[k][2] });
  });
}
await doc.destroy();
process.stdout.write(JSON.stringify(images));
