// Builds the CLI: each command lives in commands/, its shared flags in flags.ts.
import { Command, CommanderError } from 'commander';
import { PortalformError } from '../errors.js';
import { formatDiagnostic } from '../manifest/index.js';
import { TOOL_VERSION } from '../package-info.js';
import { colorEnabled, paint } from '../render/color.js';
import { stateLocationWarnings } from '../store/index.js';
import { registerApply } from './commands/apply.js';
import { registerExport } from './commands/export.js';
import { registerForceUnlock } from './commands/force-unlock.js';
import { registerHistory } from './commands/history.js';
import { registerInvite } from './commands/invite.js';
import { registerPlan } from './commands/plan.js';
import { registerRequests } from './commands/requests.js';
import { registerSecret } from './commands/secret.js';
import { registerServe } from './commands/serve.js';
import { registerShow } from './commands/show.js';
import { registerState } from './commands/state.js';
import { registerValidate } from './commands/validate.js';
import type { CommonFlags } from './flags.js';
import { Output } from './io.js';
import { diagnosticJson, examples } from './shared.js';

export function buildProgram(): Command {
  const program = new Command('portalform')
    .description("Declarative management of an API developer portal's developers and credentials, the Terraform way.")
    .addHelpText('after', examples(['portalform validate portal/', 'portalform plan portal/', 'portalform apply portal/', 'portalform state list', 'portalform history verify']))
    .version(TOOL_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .enablePositionalOptions()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .hook('preAction', (_program, action) => {
      const { state, color } = action.opts() as CommonFlags;
      const out = new Output(false, colorEnabled(process.stderr, color === false));
      for (const warning of stateLocationWarnings(state ?? process.env.PORTALFORM_STATE)) out.warn(warning);
    });
  for (const register of [registerValidate, registerPlan, registerApply, registerShow, registerState, registerHistory, registerExport, registerRequests, registerSecret, registerInvite, registerServe, registerForceUnlock]) {
    register(program);
  }
  describePathDefaults(program);
  return program;
}

/** `[paths...]` defaults to the current directory (SPEC §1): say so, not `(default: [])`. */
function describePathDefaults(command: Command): void {
  for (const argument of command.registeredArguments) {
    if (argument.name() === 'paths' && Array.isArray(argument.defaultValue)) argument.default(argument.defaultValue, 'the current directory');
  }
  for (const sub of command.commands) describePathDefaults(sub);
}

/** Runs the CLI: every error becomes one readable message on stderr and exit code 1. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 1;
      return;
    }
    reportError(error, argv.includes('--json'));
    process.exitCode = 1;
  }
}

function reportError(error: unknown, json: boolean): void {
  const diagnostics = error instanceof PortalformError ? error.diagnostics : [];
  const message = error instanceof Error ? error.message : String(error);
  if (json) {
    process.stdout.write(JSON.stringify({ error: message, diagnostics: diagnostics.map(diagnosticJson) }, null, 2) + '\n');
  }
  const color = colorEnabled(process.stderr, process.argv.includes('--no-color'));
  for (const d of diagnostics) process.stderr.write(formatDiagnostic(d) + '\n');
  process.stderr.write(`${paint('Error:', 'red', color)} ${message}\n`);
  if (process.env.PORTALFORM_DEBUG && error instanceof Error && !(error instanceof PortalformError)) {
    process.stderr.write(`${error.stack}\n`);
  }
}
