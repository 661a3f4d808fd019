import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

// The console's query and result types are generated from schema/schema.graphql by GraphQL Code
// Generator (console/codegen.yml, `npm run codegen`) and committed. The generator runs here as it
// would now, in a child process as `npm run codegen` does: a schema or console operation changed
// without regenerating, or an operation the schema does not answer, fails the suite.
const ROOT = resolve(__dirname, '../..');
const GENERATED = 'console/src/graphql.generated.ts';

/** The generator's output for console/codegen.yml, with `extra` documents beside the console's (not written anywhere). */
function generate(extra: string[] = []): Promise<{ filename: string; content: string }[]> {
  const script = `
    const { generate, loadCodegenConfig } = require('@graphql-codegen/cli');
    (async () => {
      const { config } = await loadCodegenConfig({ configFilePath: 'console/codegen.yml' });
      const extra = JSON.parse(process.argv[1]);
      const outs = await generate({ ...config, documents: [config.documents, ...extra].flat(), cwd: process.cwd(), silent: true }, false);
      process.stdout.write(JSON.stringify(outs.map((o) => ({ filename: o.filename, content: o.content }))));
    })().catch((e) => { process.stderr.write(String(e && (e.message || e))); process.exit(1); });`;
  return new Promise((done, fail) =>
    execFile(process.execPath, ['-e', script, JSON.stringify(extra)], { cwd: ROOT, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      if (error) return fail(new Error(`graphql-codegen failed: ${stderr}`));
      done(JSON.parse(stdout));
    }),
  );
}

describe('console types generated from the schema', () => {
  it(`the committed ${GENERATED} is what \`npm run codegen\` writes now`, async () => {
    const outs = await generate();
    expect(outs.map((o) => o.filename)).toEqual([GENERATED]);
    const committed = readFileSync(join(ROOT, GENERATED), 'utf8');
    // a short message, not a diff of 800 lines
    if (committed !== outs[0].content) throw new Error(`${GENERATED} differs from what the generator makes from schema/schema.graphql and the console's operations now: run \`npm run codegen\` and commit it`);
  });

  it('an operation the schema does not answer fails the generator; a new one changes the generated file', async () => {
    await expect(generate(['query NotInTheSchema { noSuchField }'])).rejects.toThrow(/noSuchField/);
    const [out] = await generate(['query DriftProbe { me { role } }']);
    expect(out.content).toContain('export type DriftProbeQuery =');
    expect(out.content).not.toBe(readFileSync(join(ROOT, GENERATED), 'utf8'));
  });
});
