import { Option, type Command } from 'commander';
import { storedJson, storedText } from '../../render/stored-text.js';
import { listRequests } from '../../requests.js';
import { plural } from '../../util/plural.js';
import { colorOf, common, stateOptions, type CommonFlags } from '../flags.js';
import { Output } from '../io.js';
import { examples } from '../shared.js';

export function registerRequests(program: Command): void {
  common(program.command('requests'))
    .description(
      'List the pending access requests (developers who signed up and wait for approval), oldest first, with the manifest entry that approves each',
    )
    .addOption(
      new Option(
        '--format <format>',
        'manifest: only the entries that approve them, ready to paste under `developers:`',
      )
        .choices(['text', 'manifest'])
        .default('text'),
    )
    .addHelpText(
      'after',
      examples([
        'portalform requests                      # who waits, oldest first',
        'portalform requests --format manifest    # the entries to paste into a pull request',
        'portalform requests --json               # {requests: [{email, fullName, createdAt, manifest}]}',
      ]),
    )
    .action(async (flags: CommonFlags & { format: 'text' | 'manifest' }) => {
      const out = new Output(flags.json === true, colorOf(flags));
      const result = await listRequests(stateOptions(flags));
      if (flags.format === 'manifest' && !flags.json) {
        if (result.requests.length === 0) process.stderr.write('No pending access requests.\n');
        return await out.lines(result.requests.map((r) => r.manifest));
      }
      await out.result(result, () =>
        result.requests.length === 0
          ? ['No pending access requests.']
          : [
              `${plural(result.requests.length, 'pending access request')}, oldest first:`,
              ...result.requests.map(
                (r) => `  ${storedText(r.email)}  ${storedJson(r.fullName)}  requested ${r.createdAt}`,
              ),
              '',
              'Approve one by declaring it in a manifest: `portalform requests --format manifest` prints the entries.',
            ],
      );
    });
}
