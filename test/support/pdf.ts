import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * The text of each page of a PDF, read by Mozilla's pdf.js (pdfjs-dist), never by the code that wrote
 * it; in a node process of its own, since pdf.js is an ES module jest's CommonJS runtime cannot load.
 */
export function pdfText(bytes: Uint8Array): Promise<string[]> {
  return pdfJs('pdf-text.mjs', bytes);
}

/** Every image the PDF's pages draw (its page, and its width and height in pixels), read by pdf.js as pdfText. */
export function pdfImages(bytes: Uint8Array): Promise<{ page: number; width: number; height: number }[]> {
  return pdfJs('pdf-images.mjs', bytes);
}

function pdfJs<T>(script: string, bytes: Uint8Array): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, script)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`pdf.js could not read the PDF: ${err}`))));
    child.stdin.end(Buffer.from(bytes));
  });
}
