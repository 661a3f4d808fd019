import { AuditAnchorError, AuditAnchorFileError } from '../server/audit/audit-anchor.js';
import { DataDirLockedError } from '../server/database/data-dir-lock.js';
import { CliError, helpText, parseArgs, UsageError, type CommandSpec } from './args.js';
import { benchApiSpec } from './bench/api.js';
import { benchGovernanceSpec } from './bench/governance.js';
import { benchSearchSpec } from './bench/search.js';
import { calibrateGallerySpec } from './calibrate-command.js';
import { calibrateAdoptSpec, calibrateListSpec } from './calibration-commands.js';
import { benchSoakSpec } from './bench/soak.js';
import { galleriesCreateSpec, galleriesListSpec, principalsCreateSpec, principalsListSpec, tenantsCreateSpec, tenantsListSpec } from './directory-commands.js';
import { auditVerifySpec, purgeSpec, reportSpec } from './governance-commands.js';
import { LOCKED_EXIT } from './hub-client.js';
import { addSpec, calibrateSpec } from './model-pack-commands.js';
import { enrollSpec, migrateSpec, serveCommand, tokenSpec } from './hub-commands.js';
import { benchInferenceSpec, evalSpec, facesSpec, modelsSpec } from './inference-commands.js';
import { serveInferenceSpec } from './serve-inference.js';
import { keysGenerateSpec, keysListSpec, keysReencryptImagesSpec, keysRemoveImageKeySpec, keysRemoveSpec, keysRotateImagesSpec, keysRotateSpec } from './keys-commands.js';
import { reembedSpec } from './reembed-command.js';
import { subjectCheckSpec, subjectDispositionsSpec, subjectRemoveSpec, subjectUpdateSpec } from './subject-commands.js';
import { reportVerifySpec } from './report-commands.js';

const serveSpec: CommandSpec = {
  usage: 'frhub serve [--port <N>] [--host <address>]',
  summary: 'Starts the hub: the console on http://<host>:PORT/ and GraphQL on /graphql (PORT default 4000), until SIGINT or SIGTERM.',
  options: [
    ['--port <N>', 'the port to listen on (default: PORT, else 4000)'],
    ['--host <address>', 'the address to bind (default: HOST, else 127.0.0.1 on the embedded database and 0.0.0.0 with DATABASE_URL)'],
  ],
  details: [
    'A port already in use is reported before anything starts (exit status 75).',
    'On the embedded database it holds <data dir>/pglite (lock file <data dir>/pglite.lock): a second hub or a CLI command that needs the database to itself is refused while it runs. It refuses to start when the audit chain lacks events anchored in <data dir>/audit-head.json.',
  ].join('\n'),
  example: 'npx frhub serve --port 4000',
  run: (args) => serveCommand(args),
};

/** Every command by name; a sub-command is named with its group ("audit verify"). */
const COMMANDS: Record<string, CommandSpec> = {
  serve: serveSpec,
  'serve-inference': serveInferenceSpec,
  migrate: migrateSpec,
  token: tokenSpec,
  'keys generate': keysGenerateSpec,
  'keys rotate': keysRotateSpec,
  'keys remove': keysRemoveSpec,
  'keys list': keysListSpec,
  'keys rotate-images': keysRotateImagesSpec,
  'keys reencrypt-images': keysReencryptImagesSpec,
  'keys remove-image-key': keysRemoveImageKeySpec,
  'tenants list': tenantsListSpec,
  'tenants create': tenantsCreateSpec,
  'principals list': principalsListSpec,
  'principals create': principalsCreateSpec,
  'galleries list': galleriesListSpec,
  'galleries create': galleriesCreateSpec,
  enroll: enrollSpec,
  'subject remove': subjectRemoveSpec,
  'subject check': subjectCheckSpec,
  'subject update': subjectUpdateSpec,
  'subject dispositions': subjectDispositionsSpec,
  purge: purgeSpec,
  report: reportSpec,
  'report verify': reportVerifySpec,
  'audit verify': auditVerifySpec,
  faces: facesSpec,
  models: modelsSpec,
  'models add': addSpec,
  'models calibrate': calibrateSpec,
  eval: evalSpec,
  reembed: reembedSpec,
  calibrate: calibrateGallerySpec,
  'calibrate list': calibrateListSpec,
  'calibrate adopt': calibrateAdoptSpec,
  'bench inference': benchInferenceSpec,
  'bench governance': benchGovernanceSpec,
  'bench search': benchSearchSpec,
  'bench api': benchApiSpec,
  'bench soak': benchSoakSpec,
};

const isHelp = (a: string) => a === '--help' || a === '-h';

function overview(group?: string): string {
  const names = Object.keys(COMMANDS).filter((n) => !group || n.startsWith(`${group} `));
  return [
    `usage: frhub ${group ?? '<command>'} ${group ? '<sub-command>' : ''} [options]`.replace(/\s+/g, ' '),
    '',
    ...names.flatMap((n) => [`  ${COMMANDS[n].usage.replace(/^frhub /, '')}`, `      ${COMMANDS[n].summary.split(/(?<=\.)\s/)[0]}`]),
    '',
    ...(group ? [] : ['examples:', '    npx frhub serve --port 4000', '    npx frhub token --tenant hub --role HUB_ADMIN --console', '    npx frhub tenants create --slug metro-pd --name "Metro Police Department"', '']),
    `\`frhub ${group ?? '<command>'}${group ? ' <sub-command>' : ''} --help\` (or \`frhub help ${group ?? '<command>'}${group ? ' <sub-command>' : ''}\`) prints a command's options and an example.`,
    '',
  ].join('\n');
}

const groups = () => new Set(Object.keys(COMMANDS).filter((n) => n.includes(' ')).map((n) => n.split(' ')[0]));

/** The command argv names: "audit verify" before "audit"; its name and the words after it. */
function lookup(argv: string[]): { name: string; rest: string[] } | { group: string } | undefined {
  const two = `${argv[0]} ${argv[1]}`;
  if (argv.length > 1 && COMMANDS[two]) return { name: two, rest: argv.slice(2) };
  if (COMMANDS[argv[0]]) return { name: argv[0], rest: argv.slice(1) };
  if (groups().has(argv[0])) return { group: argv[0] };
  return undefined;
}

export async function main(argv: string[]): Promise<number> {
  if (!argv.length || isHelp(argv[0]) || (argv[0] === 'help' && argv.length === 1)) {
    process.stdout.write(overview());
    return 0;
  }
  const asksHelp = argv[0] === 'help';
  const found = lookup(asksHelp ? argv.slice(1) : argv);
  if (!found) {
    console.error(`frhub: unknown command '${(asksHelp ? argv.slice(1) : argv).join(' ')}'\n\n${overview()}`);
    return 64;
  }
  if ('group' in found) {
    const rest = argv.slice(asksHelp ? 2 : 1);
    if (asksHelp || (rest.length && rest.every(isHelp))) {
      process.stdout.write(overview(found.group));
      return 0;
    }
    console.error(rest.length ? `frhub ${found.group}: unknown sub-command '${rest.join(' ')}'\n\n${overview(found.group)}` : overview(found.group));
    return 64;
  }
  const spec = COMMANDS[found.name];
  if (asksHelp || found.rest.some(isHelp)) {
    process.stdout.write(helpText(spec));
    return 0;
  }
  try {
    // a sub-command's own word is part of its name: the command sees what follows it
    return await spec.run(parseArgs(found.rest, spec.options ?? []));
  } catch (e) {
    return reportError(found.name, spec, e);
  }
}

/** Errors a user can act on print one message (no stack) and set the exit status. */
function reportError(name: string, spec: CommandSpec, e: unknown): number {
  if (e instanceof UsageError) {
    console.error(`frhub ${name}: ${e.message}\nusage: ${spec.usage}\n(\`frhub ${name} --help\` for the options and an example)`);
    return 64;
  }
  if (e instanceof DataDirLockedError) {
    console.error(`frhub ${name}: ${e.message}`);
    return LOCKED_EXIT;
  }
  if (e instanceof CliError || e instanceof AuditAnchorError || e instanceof AuditAnchorFileError) {
    console.error(`frhub ${name}: ${e.message}`);
    return e instanceof CliError ? e.exitCode : 1;
  }
  throw e;
}
