import { InvalidArgumentError, type Command } from 'commander';
import { PortalformError } from '../../errors.js';
import { history, verifyHistory } from '../../inspect.js';
import { paint } from '../../render/color.js';
import { renderHistoryText } from '../../render/state-listing.js';
import { renderRecordedApply } from '../../render/history.js';
import { plural } from '../../util/plural.js';
import { colorOf, common, stateOptions, type CommonFlags } from '../flags.js';
import { Output } from '../io.js';
import { examples } from '../shared.js';

export function registerHistory(program: Command): void {
  const historyCommand = common(program.command('history'))
    .description(
      'The record of applies and other events, oldest first (with --json, each entry without its changes: see history show)',
    )
    .option('--limit <n>', 'only the last n entries', positiveInteger)
    .option(
      '--since <time|serial>',
      'only the entries at or after this time (e.g. 2026-05-01 or 2026-05-01T12:00:00Z) or state serial',
    )
    .addHelpText(
      'after',
      examples([
        'portalform history --limit 20',
        'portalform history --since 2026-05-01 --json',
        'portalform history show 42',
        'portalform history verify',
      ]),
    )
    .enablePositionalOptions()
    .action(async (flags: CommonFlags & { limit?: number; since?: string }) => {
      const out = new Output(flags.json === true, colorOf(flags));
      const since = sinceFilter(flags.since);
      const entries = (await history({ ...stateOptions(flags), mustExist: true })).entries.filter(since);
      const shown = flags.limit === undefined ? entries : entries.slice(-flags.limit);
      await out.result({ entries: shown.map(entrySummary) }, () => renderHistoryText(shown));
    });
  common(historyCommand.command('show'))
    .description('Render one recorded apply like a plan')
    .argument('<serial>', 'the serial the apply produced')
    .action(async (serialText: string, flags: CommonFlags) => {
      const out = new Output(flags.json === true, colorOf(flags));
      const entry = (await history({ ...stateOptions(flags), mustExist: true })).entries.find(
        (e) => e.kind === 'apply' && String(e.serial) === serialText,
      );
      if (!entry)
        throw new PortalformError(
          `no apply with serial ${serialText} in the history; run portalform history to list them`,
        );
      await out.result(entry, () => renderRecordedApply(entry, out.color));
    });
  common(historyCommand.command('verify'))
    .description(
      'Recompute both hash chains of the history (applies, other events); exit 1 if any entry was altered, removed or reordered',
    )
    .action(async (flags: CommonFlags) => {
      const out = new Output(flags.json === true, colorOf(flags));
      const result = await verifyHistory({ ...stateOptions(flags), mustExist: true });
      const { apply: applies, events } = result.chains;
      await out.result(result, () =>
        applies.ok && events.ok
          ? [
              paint(
                `History verified: ${plural(applies.entries, 'entry', 'entries')}, head ${applies.head}`,
                'green',
                out.color,
              ),
              paint(
                `Other events verified: ${plural(events.entries, 'entry', 'entries')}, head ${events.head}`,
                'green',
                out.color,
              ),
            ]
          : [],
      );
      if (!applies.ok)
        throw new PortalformError(`history verification failed at entry ${applies.seq}: ${applies.reason}`);
      if (!events.ok)
        throw new PortalformError(
          `history verification failed at entry ${events.seq} of the other events' chain: ${events.reason}`,
        );
    });
}

/** A listed entry: everything but its change list, which `history show N --json` gives in full. */
function entrySummary<T extends Record<string, unknown>>(entry: T): Omit<T, 'changes'> {
  const { changes: _changes, ...rest } = entry;
  return rest;
}

function sinceFilter(since: string | undefined): (entry: { serial: number; at: string }) => boolean {
  if (since === undefined) return () => true;
  if (/^\d+$/.test(since)) return (entry) => entry.serial >= Number(since);
  const time = Date.parse(since);
  if (Number.isNaN(time))
    throw new PortalformError(
      `--since ${JSON.stringify(since)} is neither a time (e.g. 2026-05-01 or 2026-05-01T12:00:00Z) nor a state serial`,
    );
  return (entry) => Date.parse(entry.at) >= time;
}

function positiveInteger(value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError('give a whole number of entries, e.g. 20');
  return Number(value);
}
