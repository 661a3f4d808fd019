import { buildSync } from 'esbuild';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { readZip } from '../../console/src/pages/zip';
import { describeInBrowser, launchConsoleBrowser } from '../support/browser';
import { portrait } from '../support/fixtures';
import { zipOf } from '../support/zip';

// The console's ZIP reader (bulk enrollment): an entry that inflates past the hub's largest photo is
// reported as too large, and inflating it stops there; a 120 KB file of deflated zeros must not
// become a 120 MB upload. Run in a real browser as the console bundles it, and on Node's own web
// streams (the same DecompressionStream standard) where no browser is installed.
const ROOT = resolve(__dirname, '../..');
const MB = 1024 * 1024;

type Read = { path: string; size?: number; code?: string; message?: string };

/** Every entry read as bulk enrollment reads it: its unpacked size, or its refusal's code and message. */
async function readAll(zip: Blob, read: typeof readZip): Promise<Read[]> {
  const entries = await read(zip);
  return Promise.all(entries.map(async (e) => {
    try {
      return { path: e.path, size: (await e.read()).size };
    } catch (err) {
      return { path: e.path, code: (err as { code?: string }).code, message: (err as Error).message };
    }
  }));
}

/** The same cases, whichever runtime reads the ZIP. */
function refusesBombs(readIn: (zip: Buffer) => Promise<Read[]>): void {
  it('reports an entry that inflates past 20 MB as IMAGE_TOO_LARGE, whatever size its headers claim, and reads the photos beside it', async () => {
    const photo = await portrait();
    const zeros = Buffer.alloc(120 * MB);
    const zip = zipOf([
      { path: 'bookings/BK-1/front.jpg', data: photo },
      // the headers claim 1 KB: only the inflating itself can find out
      { path: 'bookings/BK-2/bomb.jpg', data: zeros, declaredSize: 1024 },
      { path: 'bookings/BK-3/bomb.jpg', data: zeros },
    ]);
    expect(zip.length).toBeLessThan(300 * 1024);
    expect(await readIn(zip)).toEqual([
      { path: 'bookings/BK-1/front.jpg', size: photo.length },
      { path: 'bookings/BK-2/bomb.jpg', code: 'IMAGE_TOO_LARGE', message: expect.stringMatching(/^bookings\/BK-2\/bomb\.jpg is larger than 20\.0 MB once unpacked/) },
      { path: 'bookings/BK-3/bomb.jpg', code: 'IMAGE_TOO_LARGE', message: expect.stringMatching(/larger than 20\.0 MB/) },
    ]);
  });

  it('takes an entry of exactly 20 MB', async () => {
    const zip = zipOf([{ path: 'p/exact.jpg', data: Buffer.alloc(20 * MB, 7) }]);
    expect(await readIn(zip)).toEqual([{ path: 'p/exact.jpg', size: 20 * MB }]);
  });
}

describe("the console's ZIP reader on Node's web streams", () => {
  refusesBombs((zip) => readAll(new Blob([new Uint8Array(zip)]), readZip));
});

describeInBrowser("the console's ZIP reader in the browser", () => {
  let browser: Browser;
  let bundle: string;

  beforeAll(async () => {
    browser = await launchConsoleBrowser();
    bundle = buildSync({ entryPoints: [join(ROOT, 'console/src/pages/zip.ts')], bundle: true, format: 'iife', globalName: 'zipReader', write: false, target: 'es2022' }).outputFiles[0].text;
  });
  afterAll(async () => {
    await browser?.close();
  });

  refusesBombs(async (zip) => {
    const page = await browser.newPage();
    try {
      await page.setContent('<!doctype html><title>zip</title>');
      await page.addScriptTag({ content: `${bundle}\nwindow.readAll = ${readAll.toString()};` });
      return await page.evaluate(async (b64) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const w = globalThis as unknown as { zipReader: { readZip: typeof readZip }; readAll: typeof readAll };
        return w.readAll(new Blob([bytes]), w.zipReader.readZip);
      }, zip.toString('base64'));
    } finally {
      await page.close();
    }
  });
});
