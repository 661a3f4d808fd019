import { resolve } from 'node:path';
import { startHub, type TestHub } from '../support/hub';

const ROOT = resolve(__dirname, '../..');

// Requests that fail before GraphQL runs (body parsing, multipart uploads, unknown paths) get the
// same JSON shape as GraphQL errors, with a code and an actionable message: never Express's HTML
// page with its stack trace and the server's paths.
describe('errors raised before GraphQL', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startHub({ FRHUB_MAX_IMAGE_BYTES: '100000' });
  });
  afterAll(() => t.close());

  const post = (body: RequestInit['body'], headers: Record<string, string> = {}) => fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'apollo-require-preflight': '1', ...headers }, body });
  const multipart = (map: Record<string, string[]>, files: string[]) => {
    const form = new FormData();
    form.append('operations', JSON.stringify({ query: 'mutation($a: Upload, $b: Upload) { __typename }', variables: { a: null, b: null } }));
    form.append('map', JSON.stringify(map));
    for (const f of files) form.append(f, new Blob([Buffer.alloc(1000, 1)]), `${f}.jpg`);
    return post(form);
  };

  async function expectJsonError(res: Response, status: number, code: string): Promise<string> {
    const text = await res.text();
    expect({ status: res.status, type: res.headers.get('content-type') }).toEqual({ status, type: expect.stringContaining('application/json') });
    const body = JSON.parse(text);
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]).toEqual({ message: expect.any(String), extensions: { code } });
    expect(text).not.toContain(ROOT);
    expect(text).not.toMatch(/<html|<pre|\bat \S+ \(/i);
    return body.errors[0].message;
  }

  it('malformed JSON: 400 BAD_REQUEST', async () => {
    const message = await expectJsonError(await post('{"query": ', { 'content-type': 'application/json' }), 400, 'BAD_REQUEST');
    expect(message).toMatch(/not valid JSON/);
  });

  it('a body over the limit: 413 IMAGE_TOO_LARGE, naming the limit', async () => {
    const body = JSON.stringify({ query: 'mutation { __typename }', variables: { image: 'A'.repeat(3 * 1024 * 1024) } });
    const message = await expectJsonError(await post(body, { 'content-type': 'application/json' }), 413, 'IMAGE_TOO_LARGE');
    expect(message).toMatch(/FRHUB_MAX_IMAGE_BYTES/);
  });

  it('a multipart request with two files: 400 BAD_REQUEST', async () => {
    const message = await expectJsonError(await multipart({ 0: ['variables.a'], 1: ['variables.b'] }, ['0', '1']), 400, 'BAD_REQUEST');
    expect(message).toMatch(/one photo per request/);
  });

  it('a multipart map pointing nowhere: 400 BAD_REQUEST', async () => {
    await expectJsonError(await multipart({ 0: ['variables.a.b.c'] }, ['0']), 400, 'BAD_REQUEST');
    await expectJsonError(await multipart([] as unknown as Record<string, string[]>, []), 400, 'BAD_REQUEST');
  });

  it('an unknown path: 404 NOT_FOUND, and the hub keeps serving', async () => {
    await expectJsonError(await fetch(`${t.url}/etc/passwd`), 404, 'NOT_FOUND');
    await expectJsonError(await fetch(`${t.url}/metrics/x`), 404, 'NOT_FOUND');
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });
});
