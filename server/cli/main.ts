import { parseArgs, UsageError } from './args.js';
import { benchApiCommand } from './bench-api.js';
import { benchGovernanceCommand } from './bench-governance.js';
import { benchSearchCommand } from './bench-search.js';
import { auditCommand, purgeCommand, reportCommand } from './governance-commands.js';
import { enrollCommand, migrateCommand, serveCommand, tokenCommand } from './hub-commands.js';
import { benchInferenceCommand, evalCommand, facesCommand, modelsCommand } from './inference-commands.js';

type Command = (args: ReturnType<typeof parseArgs>) => Promise<number>;

const COMMANDS: Record<string, { run: Command; help: string }> = {
  serve: { run: () => serveCommand(), help: 'serve                                       start the hub (PORT, default 4000)' },
  migrate: { run: migrateCommand, help: 'migrate [--revert]                          apply (or revert the last) database migration' },
  token: { run: tokenCommand, help: 'token --tenant <slug> --role <ROLE> [--subject <principalId>] [--ttl s]   mint a hub token' },
  enroll: { run: enrollCommand, help: 'enroll --gallery <id> [--tenant slug] <folder>   enroll <folder>/<subjectRef>/*.jpg' },
  purge: { run: purgeCommand, help: 'purge [--dry-run]                           delete search details past retention (legal holds kept)' },
  report: { run: reportCommand, help: 'report --year <YYYY> [--format transparency|utah-77-23e-106] [--out f.csv]   public or statutory CSV' },
  audit: { run: auditCommand, help: 'audit verify                                recompute the audit chain; exit 1 if broken' },
  faces: { run: facesCommand, help: 'faces <image> [--vectors] [--pack id]      detect, align, assess and embed every face; prints JSON' },
  models: { run: modelsCommand, help: 'models                                      convert the built-in model packs (done at install)' },
  eval: { run: evalCommand, help: 'eval --pairs <tsv> --root <dir> [--pack id] verification accuracy, TAR at FAR 1e-3, threshold' },
  bench: {
    run: async (args) => {
      const what = args.positional.shift();
      if (what === 'inference') return benchInferenceCommand(args);
      if (what === 'governance') return benchGovernanceCommand(args);
      if (what === 'search') return benchSearchCommand(args);
      if (what === 'api') return benchApiCommand(args);
      throw new UsageError('usage: frhub bench inference|governance|search|api [options]');
    },
    help: 'bench inference [--runs n]                  per-stage latency and batched throughput\n' +
      '  bench governance [--runs n] [--events n] [--database-url url]   latency policy+quota+audit add; chain verification speed\n' +
      '  bench search --templates n [--dim 512] [--queries n] [--ef n] [--database-url url]   pgvector load, index build, recall@10, latency\n' +
      '  bench api [--duration s] [--clients 1,4,16] [--database-url url]   searchFaces over HTTP: latency, throughput, time split',
  },
};

export function registerCommand(name: string, run: Command, help: string): void {
  COMMANDS[name] = { run, help };
}

function usage(): string {
  return ['usage: frhub <command> [options]', '', ...Object.values(COMMANDS).map((c) => `  ${c.help}`)].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const cmd = name ? COMMANDS[name] : undefined;
  if (!cmd) {
    console.error(name && name !== 'help' && name !== '--help' ? `frhub: unknown command '${name}'\n\n${usage()}` : usage());
    return name && name !== 'help' && name !== '--help' ? 64 : 0;
  }
  try {
    return await cmd.run(parseArgs(rest));
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`frhub ${name}: ${e.message}`);
      return 64;
    }
    throw e;
  }
}
