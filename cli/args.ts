/** `--name value`, `--flag`, and positionals; repeated names keep the last value. */
export interface Args {
  positional: string[];
  flags: Record<string, string | true>;
}

/** One option as its help shows it: `--year <YYYY>` takes a value, `--dry-run` does not. */
export type OptionSpec = [flag: string, description: string];

/** A command: its help (printed by `--help`, running nothing), the options it accepts, and its work. */
export interface CommandSpec {
  /** e.g. `frhub purge [--dry-run]` */
  usage: string;
  summary: string;
  options?: OptionSpec[];
  /** what else a user must know: where it writes, what it does beside a running hub, exit statuses */
  details?: string;
  example: string;
  run(args: Args): Promise<number>;
}

/** A mistake in how the command was called: exit status 64, with the command's usage. */
export class UsageError extends Error {}

/** A refusal or failure the user can act on: printed without a stack, with its exit status. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

const optionName = (flag: string) => flag.split(/[\s=]/)[0].replace(/^--/, '');
const takesValue = (flag: string) => /<[^>]+>/.test(flag);

/** Parses argv; a flag `options` does not name (or one missing its value) is a UsageError. */
export function parseArgs(argv: string[], options: OptionSpec[]): Args {
  const known = new Map(options.map(([flag]) => [optionName(flag), takesValue(flag)]));
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
    if (!known.has(name)) throw new UsageError(`unknown option --${name}`);
    if (!known.get(name)) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      flags[name] = true;
    } else if (inline !== undefined) flags[name] = inline;
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) flags[name] = argv[++i];
    else throw new UsageError(`--${name} needs a value`);
  }
  return { positional, flags };
}

export function str(args: Args, name: string, fallback?: string): string {
  const v = args.flags[name];
  if (typeof v === 'string') return v;
  if (fallback !== undefined) return fallback;
  throw new UsageError(`--${name} <value> is required`);
}

/** The full help of one command, as `frhub <command> --help` prints it. */
export function helpText(spec: CommandSpec): string {
  const options: OptionSpec[] = [...(spec.options ?? []), ['-h, --help', 'print this help and run nothing']];
  const width = Math.max(...options.map(([f]) => f.length)) + 2;
  return [
    `usage: ${spec.usage}`,
    '',
    spec.summary,
    '',
    'options:',
    ...options.map(([f, d]) => `  ${f.padEnd(width)}${d}`),
    ...(spec.details ? ['', spec.details] : []),
    '',
    'example:',
    `  ${spec.example}`,
    '',
  ].join('\n');
}
