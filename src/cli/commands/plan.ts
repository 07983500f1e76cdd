import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { planWithState } from '../../engine.js';
import { PortalformError } from '../../errors.js';
import { writePlanFile } from '../../plan/planfile.js';
import type { Plan } from '../../plan/types.js';
import { DEFAULT_STATE } from '../../store/index.js';
import type { StateSnapshot } from '../../store/types.js';
import { plural } from '../../util/plural.js';
import {
  colorOf,
  common,
  planOptions,
  refuseTogether,
  selecting,
  type CommonFlags,
  type SelectingFlags,
} from '../flags.js';
import { Output } from '../io.js';
import { examples, failOnPlanErrors, renderPlan, type PlanFormat } from '../shared.js';

interface PlanFlags extends CommonFlags, SelectingFlags {
  out?: string;
  outDir?: string;
  expectNoChanges?: boolean;
  detailedExitcode?: boolean;
  format: PlanFormat;
}

export function registerPlan(program: Command): void {
  selecting(common(program.command('plan')))
    .description('Show the ordered changes that apply would make')
    .addHelpText(
      'after',
      examples([
        'portalform plan portal/                          # text, like terraform plan',
        'portalform plan portal/ --out portal.plan         # save it; apply it later with: portalform apply portal.plan',
        'portalform plan portal/ --format markdown --out-dir comment   # a PR comment, split into plan-N.md',
        'portalform plan portal/ --format html > plan.html  # a self-contained report, e.g. a CI artifact',
        'portalform plan portal/ --detailed-exitcode       # CI: exit 2 when there are changes',
        `portalform plan portal/ --replace 'developer["ada@example.com"]'`,
        `portalform plan portal/ --target 'developer["ada@example.com"].application["billing"]'`,
        `portalform plan portal/ --replace 'developer["ada@example.com"].application["billing"].registration["payments"]'`,
      ]),
    )
    .argument('[paths...]', 'manifest files or directories (default: the current directory)')
    .option('--out <file>', 'save the plan for a later apply (created 0600; holds no secret values)')
    .option(
      '--detailed-exitcode',
      'exit 0 with no changes, 1 on error, 2 with changes (with --expect-no-changes: 2 for drift)',
    )
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['text', 'json', 'markdown', 'diff', 'html'])
        .default('text'),
    )
    .option(
      '--out-dir <dir>',
      'with --format markdown: write the comment as plan-1.md, plan-2.md… (parts of at most 65,000 characters)',
    )
    .option(
      '--expect-no-changes',
      'exit 1 when anything would change (a drift check; with --detailed-exitcode, exit 2)',
    )
    .action(async (paths: string[] | undefined, flags: PlanFlags) => {
      refuseContradictions(flags);
      const out = new Output(flags.json === true || flags.format === 'json', colorOf(flags));
      const { plan: result, state } = await planWithState(planOptions(paths, flags));
      const location = flags.state || process.env.PORTALFORM_STATE || undefined;
      // On stderr: stdout may be a PR comment or JSON. A typo in --state lands here too.
      if (state.lineage === null)
        process.stderr.write(`Note: no state found at ${stateShown(location)}; apply will create it there.\n`);
      out.diagnostics(result.warnings);
      failOnPlanErrors(result);
      if (flags.out) writePlanFile(flags.out, result);
      if (flags.format === 'diff') await renderDiff(out, result, state);
      else if (flags.format === 'markdown') await renderMarkdown(out, result, flags.outDir);
      else if (flags.format === 'html') await renderHtml(out, result);
      else await renderPlan(out, result, flags.format);
      if (flags.out && !out.json && flags.format !== 'html') {
        const stateFlag = location ? ` --state ${shellQuoted(redactedUrl(location))}` : '';
        out.info(
          `\nSaved the plan to ${flags.out}. To apply exactly these changes, run: portalform apply ${shellQuoted(flags.out)}${stateFlag}`,
        );
      }
      if (flags.expectNoChanges && result.changes.length > 0) {
        const drift = `${plural(result.changes.length, 'change')} pending, but --expect-no-changes was given: the state has drifted from the manifests`;
        // A scheduled drift job tells drift (2) from a failure to plan (1), as Terraform's does.
        if (!flags.detailedExitcode) throw new PortalformError(drift);
        process.stderr.write(`Drift: ${drift}\n`);
      }
      if (flags.detailedExitcode && result.changes.length > 0) process.exitCode = 2;
    });
}

/** Flags that ask for two different things are a usage error, not a silent choice of one. */
function refuseContradictions(flags: PlanFlags): void {
  const format = flags.format !== 'text' && flags.format !== 'json' && `--format ${flags.format}`;
  refuseTogether(flags.json && '--json', format, '--json prints the plan as JSON; drop one of them');
  refuseTogether(
    flags.outDir && '--out-dir',
    flags.format !== 'markdown' && `--format ${flags.format}`,
    '--out-dir writes the parts of a Markdown comment; add --format markdown',
  );
}

// The diff and markdown renderers (and the text-diff library) are loaded only when asked for.

async function renderDiff(out: Output, thePlan: Plan, state: StateSnapshot): Promise<void> {
  const { renderPlanDiff } = await import('../../render/diff.js');
  await out.lines([renderPlanDiff(thePlan, state, out.color).trimEnd()]);
}

async function renderHtml(out: Output, thePlan: Plan): Promise<void> {
  const { renderPlanHtml } = await import('../../render/html.js');
  await out.lines(renderPlanHtml(thePlan));
}

async function renderMarkdown(out: Output, thePlan: Plan, outDir: string | undefined): Promise<void> {
  const { renderPlanMarkdown, writeMarkdownParts } = await import('../../render/markdown.js');
  const parts = renderPlanMarkdown(thePlan);
  if (!outDir)
    return await out.lines(
      parts.length === 1 ? parts : parts.flatMap((part, i) => (i === 0 ? [part] : ['', '---', '', part])),
    );
  for (const path of writeMarkdownParts(parts, outDir)) process.stderr.write(`Wrote ${path}\n`);
}

/** Where the state is, as the user named it, and as a path when it is a file. */
function stateShown(location: string | undefined): string {
  if (location && /^postgres(ql)?:\/\//.test(location)) return redactedUrl(location);
  const named = location ?? `./${DEFAULT_STATE}`;
  const path = resolve(named);
  return path === named ? path : `${named} (${path})`;
}

/** A PostgreSQL URL's password stays out of the output. */
function redactedUrl(location: string): string {
  return location.replace(/^(postgres(?:ql)?:\/\/[^:/@]*):[^@]*@/, '$1:***@');
}

function shellQuoted(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
