import { setFlagsFromString } from 'node:v8';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { apply, forceUnlock, load, planWithState, type ApplyOptions, type PlanOptions, type StateOptions } from '../engine.js';
import { PortalformError } from '../errors.js';
import { history, listing, listState, readState, verifyHistory } from '../inspect.js';
import { revealSecret } from '../secrets/access.js';
import { invite } from '../portal/invite.js';
import { stateLocationWarnings } from '../store/index.js';
import { formatDiagnostic } from '../manifest/index.js';
import { CREDENTIAL_SPECS, credentialAddress, developerAddress, type CredentialType, type Diagnostic } from '../model.js';
import { TOOL_VERSION } from '../package-info.js';
import { planJson } from '../plan/json.js';
import { isPlanFileContent, readPlanFile, writePlanFile } from '../plan/planfile.js';
import type { Plan } from '../plan/types.js';
import type { StateSnapshot } from '../store/types.js';
import { colorEnabled, paint } from '../render/color.js';
import { renderPlanText } from '../render/text.js';
import { exportState, type ExportFormat } from '../export/index.js';
import { renderHistoryText, renderStateText } from '../render/state.js';
import { askYes, Output, parseDuration, progressReporter } from './io.js';
import { registerServe } from './serve.js';

interface CommonFlags {
  state?: string;
  json?: boolean;
  color: boolean;
  lockTimeout?: string;
  secretsDir?: string[];
  stateKeyFile?: string;
}

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

  common(program.command('validate'))
    .description('Check manifests (syntax, schema, references, uniqueness, secret sources); changes nothing')
    .argument('[paths...]', 'manifest files or directories', [])
    .action(async (paths: string[], flags: CommonFlags) => {
      const out = new Output(flags.json === true, colorOf(flags));
      const { desired, warnings } = await load(planOptions(paths, flags));
      out.diagnostics(warnings);
      const count = desired.developers.length;
      await out.result(
        { valid: true, developers: count, files: desired.files.length, warnings: warnings.map(diagnosticJson) },
        () => [paint(`Success! ${count} developer${count === 1 ? '' : 's'} in ${desired.files.length} file${desired.files.length === 1 ? '' : 's'} are valid.`, 'green', out.color)],
      );
    });

  selecting(common(program.command('plan')))
    .description('Show the ordered changes that apply would make')
    .addHelpText('after', examples([
      'portalform plan portal/                          # text, like terraform plan',
      'portalform plan portal/ --out portal.plan         # save it; apply it later with: portalform apply portal.plan',
      'portalform plan portal/ --format markdown --out-dir comment   # a PR comment, split into plan-N.md',
      'portalform plan portal/ --format html > plan.html  # a self-contained report, e.g. a CI artifact',
      'portalform plan portal/ --detailed-exitcode       # CI: exit 2 when there are changes',
      `portalform plan portal/ --replace 'developer["ada@example.com"]'`,
    ]))
    .argument('[paths...]', 'manifest files or directories', [])
    .option('--out <file>', 'save the plan for a later apply (created 0600; holds no secret values)')
    .option('--detailed-exitcode', 'exit 0 with no changes, 1 on error, 2 with changes')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'markdown', 'diff', 'html']).default('text'))
    .option('--out-dir <dir>', 'with --format markdown: write the comment as plan-1.md, plan-2.md… (parts of at most 65,000 characters)')
    .option('--expect-no-changes', 'exit 1 when anything would change (a drift check)')
    .action(async (paths: string[], flags: CommonFlags & PlanFlags) => {
      const out = new Output(flags.json === true || flags.format === 'json', colorOf(flags));
      const { plan: result, state } = await planWithState(planOptions(paths, flags));
      out.diagnostics(result.warnings);
      failOnPlanErrors(result);
      if (flags.out) writePlanFile(flags.out, result);
      if (flags.format === 'diff') await renderDiff(out, result, state);
      else if (flags.format === 'markdown') await renderMarkdown(out, result, flags.outDir);
      else if (flags.format === 'html') await renderHtml(out, result);
      else await renderPlan(out, result, flags.format);
      if (flags.out && !out.json && flags.format !== 'html') out.info(`\nSaved the plan to ${flags.out}. To apply exactly these changes, run: portalform apply ${flags.out}`);
      if (flags.expectNoChanges && result.changes.length > 0) {
        throw new PortalformError(`${result.changes.length} change${result.changes.length === 1 ? '' : 's'} pending, but --expect-no-changes was given: the state has drifted from the manifests`);
      }
      if (flags.detailedExitcode && result.changes.length > 0) process.exitCode = 2;
    });

  selecting(common(program.command('apply')))
    .description('Apply manifests (or a saved plan) to the state in one transaction')
    .addHelpText('after', examples([
      'portalform apply portal/                          # shows the plan, asks for "yes"',
      'portalform apply portal.plan                      # a saved plan: no question, refused if the state moved on',
      'portalform apply portal/ --auto-approve --secrets-out generated.json --lock-timeout 2m',
    ]))
    .argument('[paths...]', 'manifest files or directories, or one saved plan file', [])
    .option('--auto-approve', 'skip the interactive "yes" (required when not on a terminal)')
    .option('--secrets-out <file>', 'write generated secret values here (JSON keyed by address, created 0600)')
    .option('--actor <name>', 'who is applying, for the history (default: the CI user or the local user)')
    .action(async (paths: string[], flags: CommonFlags & PlanFlags & ApplyFlags) => {
      // A large apply keeps around a gigabyte alive, and V8's default heap growth then lets the
      // resident size reach twice that before collecting. Growing the heap by at most 40% per
      // collection keeps a 100,000-developer first apply near 1.3 GB instead of 2.4 GB, for a few
      // percent more time; plans, which hold far less, do without. (V8 reads the flag at every
      // collection, so setting it here, before any real work, is enough.)
      setFlagsFromString('--heap-growing-percent=40');
      const out = new Output(flags.json === true, colorOf(flags));
      const planFile = savedPlanArgument(paths);
      const options: ApplyOptions = {
        ...planOptions(planFile ? [] : paths, flags),
        planFile,
        actor: flags.actor,
        secretsOut: flags.secretsOut,
        lockTimeoutMs: parseDuration(flags.lockTimeout),
        warn: (message) => out.warn(message),
        onProgress: progressReporter(out),
        confirm: async (thePlan) => {
          if (!out.json) await renderPlan(out, thePlan, 'text');
          if (flags.autoApprove) return true;
          if (!process.stdin.isTTY) {
            throw new PortalformError('apply needs confirmation: pass --auto-approve when not on a terminal, or apply a saved plan');
          }
          const yes = await askYes('\nDo you want to perform these actions?\n  Only "yes" will be accepted to approve.\n\n  Enter a value: ');
          if (!yes) out.info('\nApply cancelled.');
          return yes;
        },
      };
      const result = await apply(options);
      failOnPlanErrors(result.plan);
      out.diagnostics(result.plan.warnings);
      if (result.plan.changes.length === 0 && !out.json) await out.lines(renderPlanText(result.plan, out.color));
      if (planFile && result.applied && !out.json) await renderPlan(out, result.plan, 'text');
      await out.result(
        {
          applied: result.applied,
          lineage: result.lineage,
          serial: result.serial,
          summary: result.plan.summary,
          generated: result.generated,
        },
        () =>
          result.applied
            ? [
                paint(`\nApply complete! ${summaryWords(result.plan)} State serial is now ${result.serial}.`, 'green', out.color),
                ...(result.generated.length > 0 && flags.secretsOut ? [`Generated secrets were written to ${flags.secretsOut}.`] : []),
              ]
            : [],
      );
    });

  common(program.command('show'))
    .description('Render a saved plan, or the current state')
    .argument('[planfile]', 'a saved plan file')
    .action(async (planFile: string | undefined, flags: CommonFlags) => {
      const out = new Output(flags.json === true, colorOf(flags));
      if (planFile) return await renderPlan(out, readPlanFile(planFile), out.json ? 'json' : 'text');
      const state = await readState(stateOptions(flags));
      await out.result(listing(state), () => renderStateText(state, out.color));
    });

  const state = program.command('state').description('Inspect the stored state');
  common(state.command('list'))
    .description('List the stored developers and credentials (secrets redacted)')
    .action(async (flags: CommonFlags) => {
      const out = new Output(flags.json === true, colorOf(flags));
      const listingJson = await listState(stateOptions(flags));
      await out.result(listingJson, () =>
        listingJson.developers.flatMap((d) => [
          `${developerAddress(d.email)}  ${d.status}`,
          ...d.credentials.map(
            (c) => `${credentialAddress(d.email, c.type as CredentialType, String(c[CREDENTIAL_SPECS[c.type as CredentialType].identityField]))}  ${c.active ? 'active' : 'inactive'}`,
          ),
        ]),
      );
    });

  const historyCommand = common(program.command('history'))
    .description('The record of applies, oldest first')
    .enablePositionalOptions()
    .action(async (flags: CommonFlags) => {
      const out = new Output(flags.json === true, colorOf(flags));
      const listingJson = await history(stateOptions(flags));
      await out.result(listingJson, () => renderHistoryText(listingJson.entries));
    });
  common(historyCommand.command('show'))
    .description('Render one recorded apply like a plan')
    .argument('<serial>', 'the serial the apply produced')
    .action(async (serialText: string, flags: CommonFlags) => {
      const out = new Output(flags.json === true, colorOf(flags));
      const entry = (await history(stateOptions(flags))).entries.find((e) => e.kind === 'apply' && String(e.serial) === serialText);
      if (!entry) throw new PortalformError(`no apply with serial ${serialText} in the history; run portalform history to list them`);
      await out.result(entry, () => [
        `# apply ${entry.serial} by ${entry.actor} at ${entry.at} (tool ${String(entry.toolVersion)}, hash ${entry.hash.slice(0, 12)})`,
        '',
        ...renderPlanText(recordedPlan(entry), out.color),
      ]);
    });
  common(historyCommand.command('verify'))
    .description('Recompute the hash chain of the history; exit 1 if any entry was altered, removed or reordered')
    .action(async (flags: CommonFlags) => {
      const out = new Output(flags.json === true, colorOf(flags));
      const result = await verifyHistory(stateOptions(flags));
      const { apply: applies, events } = result.chains;
      const entries = (n: number) => `${n} entr${n === 1 ? 'y' : 'ies'}`;
      await out.result(result, () =>
        result.ok && applies.ok && events.ok
          ? [
              paint(`History verified: ${entries(applies.entries)}, head ${applies.head}`, 'green', out.color),
              paint(`Other events verified: ${entries(events.entries)}, head ${events.head}`, 'green', out.color),
            ]
          : [],
      );
      if (!applies.ok) throw new PortalformError(`history verification failed at entry ${applies.seq}: ${applies.reason}`);
      if (!events.ok) throw new PortalformError(`history verification failed at entry ${events.seq} of the other events' chain: ${events.reason}`);
    });

  common(program.command('export'))
    .description('Write the stored state as manifests (plan on them shows no changes) or as a decK file for Kong Gateway')
    .addOption(new Option('--format <format>', 'what to write').choices(['manifest', 'deck']).default('manifest'))
    .option('--out <dir>', 'write files into this directory (manifests: one file per developer) instead of stdout')
    .action(async (flags: CommonFlags & { format: ExportFormat; out?: string }) => {
      const files = await exportState(flags.format, flags.out ? 'files' : 'stdout', stateOptions(flags));
      if (!flags.out) return await new Output(false, false).lines([...files.values()].map((text) => text.trimEnd()));
      for (const [relative, text] of files) {
        const path = join(flags.out, relative);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, text, { mode: flags.format === 'deck' ? 0o600 : 0o644 });
      }
      process.stderr.write(`Wrote ${files.size} file${files.size === 1 ? '' : 's'} to ${flags.out}\n`);
    });

  const secret = program.command('secret').description('Work with stored secrets on purpose');
  common(secret.command('reveal'))
    .description("Print a credential's secret values (needs the state key; every reveal is recorded in the history)")
    .argument('<address>', 'e.g. developer["ada@example.com"].credential["key-auth:ci"]')
    .option('--actor <name>', 'who is revealing, for the history')
    .action(async (address: string, flags: CommonFlags & { actor?: string }) => {
      const out = new Output(flags.json === true, colorOf(flags));
      const values = await revealSecret(address, { ...stateOptions(flags), actor: flags.actor, lockTimeoutMs: parseDuration(flags.lockTimeout) });
      await out.result({ address, secrets: values }, () => Object.entries(values).map(([field, value]) => `${field} = ${value}`));
    });

  common(program.command('invite'))
    .description('Print a one-time link (72 hours) with which a developer the manifests created sets a portal password')
    .argument('<address>', 'e.g. developer["ada@example.com"]')
    .option('--public-url <url>', 'where the portal is reached (env PORTALFORM_PUBLIC_URL)')
    .option('--actor <name>', 'who is inviting, for the history')
    .action(async (address: string, flags: CommonFlags & { publicUrl?: string; actor?: string }) => {
      const out = new Output(flags.json === true, colorOf(flags));
      const result = await invite(address, { ...stateOptions(flags), publicUrl: flags.publicUrl, actor: flags.actor, ...(flags.lockTimeout ? { lockTimeoutMs: parseDuration(flags.lockTimeout) } : {}) });
      await out.result(result, () => [result.url, `(single use, expires ${result.expiresAt})`]);
    });

  common(program.command('force-unlock'))
    .description('Clear a state lock left by a crashed run (PostgreSQL advisory locks end with their session by themselves)')
    .argument('<lock-id>', 'the lock ID printed by the refused run')
    .action(async (lockId: string, flags: CommonFlags) => {
      const out = new Output(flags.json === true, colorOf(flags));
      const released = await forceUnlock(lockId, stateOptions(flags));
      await out.result({ released }, () => [`Lock ${released.id} held by ${released.holder.user}@${released.holder.host} (pid ${released.holder.pid}) since ${released.since} was cleared.`]);
    });

  registerServe(program);

  return program;
}

interface PlanFlags {
  out?: string;
  outDir?: string;
  expectNoChanges?: boolean;
  detailedExitcode?: boolean;
  replace: string[];
  target: string[];
  rotate: string[];
  format: 'text' | 'json' | 'markdown' | 'diff' | 'html';
}

interface ApplyFlags {
  autoApprove?: boolean;
  secretsOut?: string;
  actor?: string;
}

function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`;
}

/** Flags that choose what a plan or apply covers. */
function selecting(command: Command): Command {
  return command
    .option('--replace <address>', 'delete and create this object anew (repeatable)', collect, [])
    .option('--target <address>', 'limit to these objects and what they need (repeatable)', collect, [])
    .option('--rotate <address>', "generate a new value for this credential's generated secrets (repeatable)", collect, []);
}

/** Flags every command takes. */
export function common(command: Command): Command {
  return command
    .option('--state <path|url>', 'state file or postgres:// URL (env PORTALFORM_STATE, default ./portalform.db)')
    .option('--json', 'machine-readable output on stdout')
    .option('--no-color', 'no colors (also NO_COLOR)')
    .option('--lock-timeout <duration>', 'wait this long for the state lock, e.g. 30s (default: fail at once)')
    .option('--secrets-dir <dir>', 'a directory fromFile secrets may also come from (repeatable)', collect, [])
    .option('--state-key-file <file>', 'read the state key from this file instead of PORTALFORM_STATE_KEY');
}

export function stateOptions(flags: CommonFlags): StateOptions {
  return {
    ...(flags.state ? { state: flags.state } : {}),
    ...(flags.stateKeyFile ? { stateKey: readFileSync(flags.stateKeyFile, 'utf8').trim() } : {}),
  };
}

function planOptions(paths: string[], flags: CommonFlags & Partial<Pick<PlanFlags, 'replace' | 'target' | 'rotate'>>): PlanOptions {
  return { ...stateOptions(flags), paths, secretsDirs: flags.secretsDir ?? [], replace: flags.replace, target: flags.target, rotate: flags.rotate };
}

function colorOf(flags: CommonFlags): boolean {
  return colorEnabled(process.stdout, flags.color === false);
}

/** `apply PLANFILE`: a single argument whose content is a saved plan. */
function savedPlanArgument(paths: string[]): string | undefined {
  if (paths.length !== 1) return undefined;
  try {
    const head = readFileSync(paths[0]!, { encoding: 'utf8', flag: 'r' }).slice(0, 64);
    return isPlanFileContent(head) ? paths[0] : undefined;
  } catch {
    return undefined;
  }
}

function failOnPlanErrors(thePlan: Plan): void {
  if (thePlan.errors.length > 0) {
    throw new PortalformError(`the plan has ${thePlan.errors.length} error${thePlan.errors.length === 1 ? '' : 's'}; nothing was changed`, thePlan.errors);
  }
}

// The diff and markdown renderers (and the text-diff library) are loaded only when asked for.

async function renderDiff(out: Output, thePlan: Plan, state: StateSnapshot): Promise<void> {
  const { renderPlanDiff } = await import('../render/diff.js');
  await out.lines([renderPlanDiff(thePlan, state, out.color).trimEnd()]);
}

async function renderMarkdown(out: Output, thePlan: Plan, outDir: string | undefined): Promise<void> {
  const { renderPlanMarkdown, writeMarkdownParts } = await import('../render/markdown.js');
  const parts = renderPlanMarkdown(thePlan);
  if (!outDir) return await out.lines(parts.length === 1 ? parts : parts.flatMap((part, i) => (i === 0 ? [part] : ['', '---', '', part])));
  for (const path of writeMarkdownParts(parts, outDir)) process.stderr.write(`Wrote ${path}\n`);
}

async function renderHtml(out: Output, thePlan: Plan): Promise<void> {
  const { renderPlanHtml } = await import('../render/html.js');
  await out.lines(renderPlanHtml(thePlan));
}

async function renderPlan(out: Output, thePlan: Plan, format: PlanFlags['format']): Promise<void> {
  if (format === 'json' || out.json) return out.json_(planJson(thePlan));
  await out.lines(renderPlanText(thePlan, out.color));
}

/** A history entry holds the redacted changes: enough to render it like the plan it was. */
function recordedPlan(entry: Record<string, unknown>): Plan {
  return { changes: entry.changes, summary: entry.summary, errors: [], warnings: [] } as unknown as Plan;
}

function summaryWords(thePlan: Plan): string {
  const s = thePlan.summary;
  return `${s.create} created, ${s.update} updated, ${s.delete} deleted, ${s.transition} status transitions, ${s.move} moved.`;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function diagnosticJson(d: Diagnostic) {
  return { severity: d.severity, message: d.message, ...(d.location ? { location: d.location } : {}) };
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
