import { startHub, type TestHub } from '../support/hub';
import { schemaOperations } from '../support/operations';
import { cases, MATRIX, matrixWorld, NF, NOT_IN_MATRIX, ok, type Operation, type Row, type Target } from '../support/permission-matrix';

// Every role x every operation x own tenant / other tenant, from one table (test/support/permission-matrix.ts).
describe('permission matrix', () => {
  let t: TestHub;
  let targets: Record<string, Target>;
  let actors: Record<keyof Row, { token: string; tenant: string }>;
  let OPS: Record<string, Operation>;

  beforeAll(async () => {
    t = await startHub();
    ({ targets, actors, ops: OPS } = await matrixWorld(t));
  });
  afterAll(() => t?.close());

  it('covers every role and every operation of the schema', async () => {
    const operations = (await schemaOperations()).map((o) => o.name).filter((name) => !(name in NOT_IN_MATRIX));
    expect(Object.keys(MATRIX).sort()).toEqual(operations.sort());
    expect(Object.keys(OPS).sort()).toEqual(Object.keys(MATRIX).sort());
    expect(cases.length).toBeGreaterThan(250);
  });

  it.each(cases)('%s by %s on the %s tenant: %s', async (op, role, where, want) => {
    const actor = actors[role];
    const target = targets[where === 'own' ? actor.tenant : 'river-pd'];
    const r = await OPS[op](t.gql, actor.token, target);
    expect(r.errors?.[0]?.extensions.code ?? (r.visible === false ? NF : ok)).toBe(want);
    // a refusal carries no data
    if (r.errors) expect(r.data?.[op] ?? null).toBeNull();
  });
});
