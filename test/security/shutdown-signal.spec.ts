import { portrait } from '../support/fixtures';
import { hubWorkspace, spawnHub } from '../support/process';

// An operator stops the hub with a signal (systemd, docker stop, Ctrl-C): the searches in flight
// must get their answers, and the process must then exit cleanly.
describe.each(['SIGTERM', 'SIGINT'] as const)('%s to a real hub process', (signal) => {
  it('answers every search in flight, then exits 0', async () => {
    const ws = await hubWorkspace();
    const hub = await spawnHub(ws);
    try {
      const analyst = await hub.analyst('metro-pd');
      const image = (await portrait()).toString('base64');
      let signalledAt = Infinity;
      const search = () =>
        hub
          .gql(analyst, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id status } }`, { i: { imageBase64: image, legalBasis: 'VICTIM_ID', caseNumber: 'S-1' } })
          .then(
            (r) => ({ answer: r.errors?.[0].message ?? r.data?.searchFaces.status, at: performance.now() }),
            (e: Error) => ({ answer: `connection cut: ${e.message}`, at: performance.now() }),
          );
      const inFlight = Array.from({ length: 20 }, search);
      // all 20 were accepted long before the first search finishes: signal then
      await Promise.race(inFlight);
      signalledAt = performance.now();
      hub.child.kill(signal);
      const results = await Promise.all(inFlight);
      expect(results.map((r) => r.answer)).toEqual(Array(20).fill('COMPLETED'));
      // the signal did arrive while searches were still running
      expect(results.filter(({ at }) => at > signalledAt).length).toBeGreaterThan(0);
      expect(await hub.exited).toEqual({ code: 0, signal: null });
      expect(hub.output()).toContain(`${signal}: finishing in-flight requests`);
    } finally {
      hub.child.kill('SIGKILL');
      await ws.drop();
    }
  });
});
