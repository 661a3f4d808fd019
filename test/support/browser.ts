import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';

// What every console test does with its browser: Debian's chromium driven by playwright-core, the
// console built first, screenshots of each page, axe-core in the page.

const ROOT = resolve(__dirname, '../..');

/** Debian's chromium (or CHROMIUM_PATH); undefined where none is installed (`.ci/run` installs it). */
export const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p): p is string => !!p && existsSync(p));
export const NO_CHROMIUM = 'skipped: no chromium found (apt-get install chromium, or set CHROMIUM_PATH); .ci/run installs it';

/** A suite that needs chromium: `suite` where one is found, else one skipped test that says how to get it. */
export const describeInBrowser = (name: string, body: () => void, suite: (name: string, body: () => void) => void = describe): void =>
  CHROMIUM ? suite(name, body) : describe(name, () => it.skip(NO_CHROMIUM, () => {}));
export const SHOTS = join(ROOT, 'test/console/screenshots');

/** Builds the console into dist/console as `npm install` does (the hub serves its pages from there). */
export const buildConsole = (): void => void execFileSync('node', [join(ROOT, 'console/build.cjs')], { cwd: ROOT, stdio: 'inherit' });

/** Builds the console, then starts chromium. */
export async function launchConsoleBrowser(): Promise<Browser> {
  buildConsole();
  mkdirSync(SHOTS, { recursive: true });
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** Collects the page's Content-Security-Policy violations (from `origin`, when given) and script errors into `problems`. */
export function watchPage(page: Page, problems: string[], origin?: string): void {
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text()) && (!origin || page.url().startsWith(origin))) problems.push(m.text());
  });
  page.on('pageerror', (e) => {
    if (!origin || page.url().startsWith(origin)) problems.push(e.message);
  });
}

export const screenshot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

let axe: string | undefined;
/** axe-core's serious and critical violations on the page (evaluated through devtools, so the page's CSP stays as strict as it is). */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  await page.evaluate((axe ??= readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8')));
  const violations = (await page.evaluate('axe.run(document).then((r) => r.violations)')) as { id: string; impact: string; help: string; nodes: { target: string[] }[] }[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}
