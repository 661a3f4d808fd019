// Renders one page of a PDF to PNG with Mozilla's pdf.js (pdfjs-dist) on @napi-rs/canvas: offline,
// no browser, the same code the browser's viewer runs. As a command:
//   node docs/examples/pdf-page-png.mjs <in.pdf> <out.png> [page, default 1] [scale, default 1.25]
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import sharp from 'sharp';

const require = createRequire(import.meta.url);
// the 14 standard fonts' metrics and glyphs (the hub's PDFs use Helvetica without embedding it)
const STANDARD_FONTS = `${join(dirname(require.resolve('pdfjs-dist/package.json')), 'standard_fonts')}/`;

/** The PNG of `page` (1-based) at `scale` (1: 72 pixels an inch), on a white background. */
export async function pagePng(bytes, page = 1, scale = 1.25) {
  const doc = await getDocument({ data: new Uint8Array(bytes), standardFontDataUrl: STANDARD_FONTS, isEvalSupported: false, verbosity: 0 }).promise;
  try {
    const p = await doc.getPage(page);
    const viewport = p.getViewport({ scale });
    const { canvas, context } = doc.canvasFactory.create(Math.ceil(viewport.width), Math.ceil(viewport.height));
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    await p.render({ canvasContext: context, viewport }).promise;
    // a page is mostly text on white: 256 colours keep it sharp at a third of the size
    return sharp(canvas.toBuffer('image/png')).flatten({ background: '#ffffff' }).png({ palette: true, compressionLevel: 9 }).toBuffer();
  } finally {
    await doc.destroy();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [input, output, page = '1', scale = '1.25'] = process.argv.slice(2);
  if (!input || !output) {
    console.error('usage: node docs/examples/pdf-page-png.mjs <in.pdf> <out.png> [page] [scale]');
    process.exit(64);
  }
  writeFileSync(output, await pagePng(readFileSync(input), Number(page), Number(scale)));
}
