// Builds the CLI: each command lives in commands/, its shared flags in flags.ts. A command's module
// (and everything it needs: the engine, the store, the server) is imported only when that command
// runs, so `--version` or a small plan does not pay for loading the others.
import { Command, CommanderError } from 'commander';
import { PortalformError } from '../errors.js';
import { TOOL_VERSION } from '../package-info.js';
import { colorEnabled, paint } from '../render/color.js';
import type { CommonFlags } from './flags.js';

type Register = (program: Command) => void;

/** Every command, in the order `--help` lists them, with how to load its registration. */
const COMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<Register>]> = [
  ['validate', async () => (await import('./commands/validate.js')).registerValidate],
  ['plan', async () => (await import('./commands/plan.js')).registerPlan],
  ['apply', async () => (await import('./commands/apply.js')).registerApply],
  ['show', async () => (await import('./commands/show.js')).registerShow],
  ['state', async () => (await import('./commands/state.js')).registerState],
  ['history', async () => (await import('./commands/history.js')).registerHistory],
  ['export', async () => (await import('./commands/export.js')).registerExport],
  ['requests', async () => (await import('./commands/requests.js')).registerRequests],
  ['secret', async () => (await import('./commands/secret.js')).registerSecret],
  ['invite', async () => (await import('./commands/invite.js')).registerInvite],
  ['outbox', async () => (await import('./commands/outbox.js')).registerOutbox],
  ['serve', async () => (await import('./commands/serve.js')).registerServe],
  ['force-unlock', async () => (await import('./commands/force-unlock.js')).registerForceUnlock],
];

const EXAMPLES = [
  'portalform validate portal/',
  'portalform plan portal/',
  'portalform apply portal/',
  'portalform state list',
  'portalform history verify',
];

/**
 * The program with the commands `argv` can reach: the one it names (program-level options come
 * before the command, and the only ones are --version and --help), none for --version alone,
 * every command otherwise (help, an unknown command and its "did you mean").
 */
export async function buildProgram(argv: string[] = []): Promise<Command> {
  const program = new Command('portalform')
    .description("Declarative management of an API developer portal's developers and credentials, the Terraform way.")
    .version(TOOL_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .enablePositionalOptions()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .hook('preAction', async (_program, action) => {
      const { state, color } = action.opts() as CommonFlags;
      const warnings = (await import('../store/index.js')).stateLocationWarnings(state ?? process.env.PORTALFORM_STATE);
      if (warnings.length === 0) return; // stderr untouched: setting up a piped stream costs a start-up a tenth
      const { Output } = await import('./io.js');
      const out = new Output(false, colorEnabled(process.stderr, color === false));
      for (const warning of warnings) out.warn(warning);
    });
  const first = argv[2];
  const named = COMMANDS.find(([name]) => name === first);
  if (named) {
    (await named[1]())(program);
  } else if (!(argv.length === 3 && (first === '--version' || first === '-V'))) {
    program.addHelpText('after', `\nExamples:\n${EXAMPLES.map((line) => `  $ ${line}`).join('\n')}\n`);
    for (const register of await Promise.all(COMMANDS.map(([, load]) => load()))) register(program);
  }
  describePathDefaults(program);
  return program;
}

/** `[paths...]` defaults to the current directory (docs/manifests.md): say so, not `(default: [])`. */
function describePathDefaults(command: Command): void {
  for (const argument of command.registeredArguments) {
    if (argument.name() === 'paths' && Array.isArray(argument.defaultValue))
      argument.default(argument.defaultValue, 'the current directory');
  }
  for (const sub of command.commands) describePathDefaults(sub);
}

/** Runs the CLI: every error becomes one readable message on stderr and exit code 1. */
export async function main(argv: string[]): Promise<void> {
  try {
    const program = await buildProgram(argv);
    program.exitOverride();
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 1;
      return;
    }
    await reportError(error, argv.includes('--json'));
    process.exitCode = 1;
  }
}

async function reportError(error: unknown, json: boolean): Promise<void> {
  const diagnostics = error instanceof PortalformError ? error.diagnostics : [];
  const message = error instanceof Error ? error.message : String(error);
  if (json) {
    const { diagnosticJson } = await import('./shared.js');
    process.stdout.write(
      `${JSON.stringify({ error: message, diagnostics: diagnostics.map(diagnosticJson) }, null, 2)}\n`,
    );
  }
  const color = colorEnabled(process.stderr, process.argv.includes('--no-color'));
  if (diagnostics.length > 0) {
    const { formatDiagnostic } = await import('../manifest/index.js');
    for (const d of diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  }
  process.stderr.write(`${paint('Error:', 'red', color)} ${message}\n`);
  if (process.env.PORTALFORM_DEBUG && error instanceof Error && !(error instanceof PortalformError)) {
    process.stderr.write(`${error.stack}\n`);
  }
}
