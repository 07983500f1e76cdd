import type { Command } from 'commander';
import { listOutbox, type OutboxEntry } from '../../mail/outbox-list.js';
import { plural } from '../../util/plural.js';
import { colorOf, common, stateOptions, type CommonFlags } from '../flags.js';
import { Output } from '../io.js';
import { examples } from '../shared.js';

export function registerOutbox(program: Command): void {
  common(program.command('outbox'))
    .description('List the mail waiting to be sent, or that failed or expired, oldest first (never a link)')
    .addHelpText(
      'after',
      examples([
        'portalform outbox           # what waits, failed or expired',
        'portalform outbox --json    # {messages: [{id, kind, to, createdAt, status, attempts, nextAttemptAt, lastError}]}',
      ]),
    )
    .action(async (flags: CommonFlags) => {
      const out = new Output(flags.json === true, colorOf(flags));
      const result = await listOutbox(stateOptions(flags));
      await out.result(result, () => outboxTable(result.messages));
    });
}

function outboxTable(messages: OutboxEntry[]): string[] {
  if (messages.length === 0) return ['The outbox is empty: no mail waits, failed or expired.'];
  const rows = messages.map((m) => [
    m.createdAt,
    m.kind,
    m.to,
    m.status,
    String(m.attempts),
    m.status === 'waiting' ? m.nextAttemptAt : '-',
    m.lastError ?? '',
  ]);
  const header = ['CREATED', 'KIND', 'TO', 'STATUS', 'ATTEMPTS', 'NEXT ATTEMPT', 'LAST ERROR'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [`${plural(messages.length, 'message')}, oldest first:`, line(header), ...rows.map(line)];
}
