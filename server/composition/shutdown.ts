import type { Server } from 'node:http';

/**
 * Stop taking requests and let in-flight ones finish: keep-alive connections go idle as their last
 * response finishes and are closed as they do; whatever is left after the grace period is cut.
 */
export async function drainHttp(server: Server, graceMs: number): Promise<void> {
  const closed = new Promise<void>((r) => server.close(() => r()));
  const sweep = setInterval(() => server.closeIdleConnections(), 50);
  const deadline = setTimeout(() => server.closeAllConnections(), graceMs);
  server.closeIdleConnections();
  await closed;
  clearInterval(sweep);
  clearTimeout(deadline);
}

