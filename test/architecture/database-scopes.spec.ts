import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

// Services get a ScopedDb (row-level security) and reach the owner's database only through a named
// bypass, `db.owner('why')`; these tests hold both halves of that rule.
const ROOT = resolve(__dirname, '../..');
const FIXTURE = join(__dirname, 'database-scopes.types.ts');
const MARKER = '// @ts-expect-error';

/** The type checker's errors in the fixture, given as `text` (models/db.ts read from disk), by line. */
function errorsIn(text: string): { line: number; message: string }[] {
  const options: ts.CompilerOptions = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, lib: ['lib.es2023.d.ts'], types: [], skipLibCheck: true };
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, ...rest) => (resolve(name) === FIXTURE ? ts.createSourceFile(name, text, version) : read(name, version, ...rest));
  const program = ts.createProgram([FIXTURE], options, host);
  const file = program.getSourceFile(FIXTURE)!;
  return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)].map((d) => ({
    line: file.getLineAndCharacterOfPosition(d.start ?? 0).line,
    message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  }));
}

function* sources(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* sources(p);
    else if (p.endsWith('.ts')) yield p;
  }
}

describe('the two database types', () => {
  const text = readFileSync(FIXTURE, 'utf8');
  const marked = text.split('\n').flatMap((l, i) => (l.trim().startsWith(MARKER) ? [i + 1] : []));

  it('type-checks the fixture, every mix-up in it refused', () => {
    expect(marked.length).toBeGreaterThanOrEqual(5);
    expect(errorsIn(text)).toEqual([]);
  });

  it('fails to type-check when a mix-up is not refused: each marked line is an error of its own', () => {
    // the markers become plain comments: each line under one must now be an error, and no other line
    const unmarked = errorsIn(text.split(MARKER).join('// was expected to fail:'));
    expect([...new Set(unmarked.map((e) => e.line))].sort((a, b) => a - b)).toEqual(marked);
  });

  it('gives services the ScopedDb only, and every bypass in tenants/ says why', () => {
    const offences: string[] = [];
    for (const file of sources(join(ROOT, 'tenants'))) {
      const where = relative(ROOT, file);
      const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node): void => {
        // the owner's type, the server's composite or the brand maker: none is a service's to hold
        if (ts.isImportSpecifier(node) && ['Db', 'OwnerDb', 'brandDb'].includes((node.propertyName ?? node.name).text)) offences.push(`${where}: imports ${node.name.text}`);
        if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'owner') {
          const [why] = node.arguments;
          if (!why || !ts.isStringLiteralLike(why) || why.text.trim().length < 20) {
            offences.push(`${where}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}: owner() without a literal reason`);
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    expect(offences).toEqual([]);
  });
});
