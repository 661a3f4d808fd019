import { ONE_PHOTO_BATCHES, untilMetrics } from '../support/client';
import { portrait } from '../support/fixtures';
import { hubWorkspace, spawnHub } from '../support/process';

// An operator stops the hub with a signal (systemd, docker stop, Ctrl-C): the searches in flight
// must get their answers, and the process must then exit cleanly.
describe.each(['SIGTERM', 'SIGINT'] as const)('%s to a real hub process', (signal) => {
  it('answers every search in flight, then exits 0', async () => {
    const ws = await hubWorkspace();
    const hub = await spawnHub(ws, ONE_PHOTO_BATCHES);
    try {
      const analyst = await hub.analyst('metro-pd');
      const image = (await portrait()).toString('base64');
      const searches = 20;
      const search = () =>
        hub
          .gql(analyst, `mutation($i: SearchFacesInput!) { searchFaces(input: $i) { id status } }`, { i: { imageBase64: image, legalBasis: 'VICTIM_ID', caseNumber: 'S-1' } })
          .then(
            (r) => r.errors?.[0].message ?? r.data?.searchFaces.status,
            (e: Error) => `connection cut: ${e.message}`,
          );
      const inFlight = Array.from({ length: searches }, search);
      // signal once the hub holds every search (each one embedded or at the inference thread) and is still
      // working on some: photos at the thread are requests it has not answered
      const seen = await untilMetrics(hub.url, (m) => m.frhub_inference_seconds_count + m.frhub_inference_queue_depth >= searches && m.frhub_inference_queue_depth > 0);
      hub.child.kill(signal);
      expect(seen.frhub_inference_queue_depth).toBeGreaterThan(0);
      expect(await Promise.all(inFlight)).toEqual(Array(searches).fill('COMPLETED'));
      expect(await hub.exited).toEqual({ code: 0, signal: null });
      expect(hub.output()).toContain(`${signal}: finishing in-flight requests`);
    } finally {
      hub.child.kill('SIGKILL');
      await ws.drop();
    }
  });
});
