/**
 * Probes until `wanted` holds, and gives that probe. Past `deadlineMs` it fails naming what it waited
 * for and the last probes (as `show` writes them), so a moment that never came says why instead of
 * running into the test's own timeout.
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T>,
  wanted: (t: T) => boolean,
  { show = (t: T) => JSON.stringify(t), deadlineMs = 60_000, everyMs = 10 }: { show?: (t: T) => string; deadlineMs?: number; everyMs?: number } = {},
): Promise<T> {
  const seen: string[] = [];
  for (const end = Date.now() + deadlineMs; Date.now() < end; ) {
    const t = await probe();
    if (wanted(t)) return t;
    seen.push(show(t));
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`${what} did not happen in ${deadlineMs} ms; the last probes: ${seen.slice(-60).join(' ')}`);
}
