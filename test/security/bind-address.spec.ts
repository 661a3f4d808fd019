import { networkInterfaces } from 'node:os';
import { hubWorkspace, spawnHub } from '../support/process';

const external = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

const reachable = (host: string, port: string) =>
  fetch(`http://${host}:${port}/healthz`, { signal: AbortSignal.timeout(5000) }).then((r) => r.status, (e: Error) => `unreachable: ${(e.cause as Error)?.message ?? e.message}`);

// The hub says where it listens, truthfully: with the embedded database (a workstation) it binds
// loopback unless HOST says otherwise; with DATABASE_URL (a server) it binds every interface.
describe('the address the hub binds', () => {
  it('is the one its log names, loopback by default in embedded mode', async () => {
    const ws = await hubWorkspace();
    const hub = await spawnHub(ws, { HOST: '' });
    try {
      const [, host, port] = /frhub listening on http:\/\/(\S+):(\d+)\/graphql/.exec(hub.output())!;
      expect(host).toBe(ws.databaseUrl ? '0.0.0.0' : '127.0.0.1');
      expect(await reachable('127.0.0.1', port)).toBe(200);
      if (external) expect(await reachable(external, port)).toEqual(ws.databaseUrl ? 200 : expect.stringMatching(/unreachable: .*ECONNREFUSED/));
    } finally {
      hub.child.kill('SIGKILL');
      await hub.exited;
      await ws.drop();
    }
  });
});
