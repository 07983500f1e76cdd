import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import type { Command } from 'commander';
import { apply } from '../../engine.js';
import { PortalformError } from '../../errors.js';
import type { ApplyOptions } from '../../apply/options.js';
import { isPlanFileContent } from '../../plan/planfile.js';
import type { Plan } from '../../plan/types.js';
import { paint } from '../../render/color.js';
import { plural } from '../../util/plural.js';
import { renderPlanText } from '../../render/text.js';
import { colorOf, common, planOptions, selecting, type CommonFlags, type SelectingFlags } from '../flags.js';
import { askYes, Output, parseDuration, progressReporter, untilInterrupted } from '../io.js';
import { examples, failOnPlanErrors, renderPlan } from '../shared.js';

interface ApplyFlags extends CommonFlags, SelectingFlags {
  autoApprove?: boolean;
  secretsOut?: string;
  actor?: string;
}

export function registerApply(program: Command): void {
  selecting(common(program.command('apply')))
    .description('Apply manifests (or a saved plan) to the state in one transaction')
    .addHelpText(
      'after',
      examples([
        'portalform apply portal/                          # shows the plan, asks for "yes"',
        'portalform apply portal.plan                      # a saved plan: no question, refused if the state moved on',
        'portalform apply portal/ --auto-approve --secrets-out generated.json --lock-timeout 2m',
      ]),
    )
    .argument('[paths...]', 'manifest files or directories, or one saved plan file', [])
    .option('--auto-approve', 'skip the interactive "yes" (required when not on a terminal)')
    .option('--secrets-out <file>', 'write generated secret values here (JSON keyed by address, created 0600)')
    .option('--actor <name>', 'who is applying, for the history (default: the CI user or the local user)')
    .action(async (paths: string[], flags: ApplyFlags) => {
      // A large apply keeps around a gigabyte alive, and V8's default heap growth then lets the
      // resident size reach twice that before collecting. Growing the heap by at most 40% per
      // collection keeps a 100,000-developer first apply near 1.3 GB instead of 2.4 GB, for a few
      // percent more time; plans, which hold far less, do without. (V8 reads the flag at every
      // collection, so setting it here, before any real work, is enough.)
      setFlagsFromString('--heap-growing-percent=40');
      const out = new Output(flags.json === true, colorOf(flags));
      const planFile = savedPlanArgument(paths);
      const progress = progressReporter(out);
      let everyStepRan = false;
      const options: ApplyOptions = {
        ...planOptions(planFile ? [] : paths, flags),
        planFile,
        actor: flags.actor,
        secretsOut: flags.secretsOut,
        lockTimeoutMs: parseDuration(flags.lockTimeout),
        warn: (message) => out.warn(message),
        onProgress: (done, total) => {
          everyStepRan = done === total;
          progress?.(done, total);
        },
        confirm: async (thePlan) => {
          if (!out.json) await renderPlan(out, thePlan, 'text');
          if (flags.autoApprove) return true;
          if (!process.stdin.isTTY) {
            throw new PortalformError(
              'apply needs confirmation: pass --auto-approve when not on a terminal, or apply a saved plan',
            );
          }
          const yes = await askYes(
            '\nDo you want to perform these actions?\n  Only "yes" will be accepted to approve.\n\n  Enter a value: ',
          );
          if (!yes) out.info('\nApply cancelled.');
          return yes;
        },
      };
      const result = await untilInterrupted(
        () => apply(options),
        () => everyStepRan,
      );
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
                paint(
                  `\nApply complete! ${summaryWords(result.plan)} State serial is now ${result.serial}.`,
                  'green',
                  out.color,
                ),
                ...(result.generated.length > 0 && flags.secretsOut
                  ? [`Generated secrets were written to ${flags.secretsOut}.`]
                  : []),
                ...(result.decisionMessages > 0
                  ? [
                      `${plural(result.decisionMessages, 'developer')} will be told of their new status by mail ` +
                        "(queued; 'portalform outbox' lists what waits).",
                    ]
                  : []),
              ]
            : [],
      );
      // Declining the prompt is a failure for scripts, as in Terraform.
      if (!result.applied && result.plan.changes.length > 0) process.exitCode = 1;
    });
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

function summaryWords(thePlan: Plan): string {
  const s = thePlan.summary;
  return `${s.create} created, ${s.update} updated, ${s.delete} deleted, ${plural(s.transition, 'status transition')}, ${s.move} moved.`;
}
