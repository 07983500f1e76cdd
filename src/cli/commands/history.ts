import type { Command } from 'commander';
import { PortalformError } from '../../errors.js';
import { history, verifyHistory } from '../../inspect.js';
import type { Plan } from '../../plan/types.js';
import { paint } from '../../render/color.js';
import { renderHistoryText } from '../../render/state.js';
import { renderPlanText } from '../../render/text.js';
import { plural } from '../../util/plural.js';
import { colorOf, common, stateOptions, type CommonFlags } from '../flags.js';
import { Output } from '../io.js';

export function registerHistory(program: Command): void {
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
      const entries = (n: number) => plural(n, 'entry', 'entries');
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
}

/** A history entry holds the redacted changes: enough to render it like the plan it was. */
function recordedPlan(entry: Record<string, unknown>): Plan {
  return { changes: entry.changes, summary: entry.summary, errors: [], warnings: [] } as unknown as Plan;
}
