import { Option, type Command } from 'commander';
import { storedJson, storedText } from '../../render/stored-text.js';
import {
  commentedEntry,
  listRequests,
  mergedEntries,
  type AccessRequest,
  type RegistrationRequest,
} from '../../requests.js';
import { registrationAddress } from '../../model.js';
import { plural } from '../../util/plural.js';
import { colorOf, common, stateOptions, type CommonFlags } from '../flags.js';
import { Output } from '../io.js';
import { examples } from '../shared.js';

export function registerRequests(program: Command): void {
  common(program.command('requests'))
    .description(
      'List the pending access requests (developers who signed up and wait for approval) and registration ' +
        'requests (applications waiting for access to an API), oldest first, with the manifest entry that ' +
        'approves each; sign-ups that have not verified their address apart',
    )
    .addOption(
      new Option(
        '--format <format>',
        'manifest: only the entries that approve them, one per developer, ready to paste under `developers:` ' +
          '(unverified sign-ups commented out)',
      )
        .choices(['text', 'manifest'])
        .default('text'),
    )
    .addHelpText(
      'after',
      examples([
        'portalform requests                      # who waits, oldest first',
        'portalform requests --format manifest    # the entries to paste into a pull request',
        'portalform requests --json               # {requests: [{email, fullName, emailVerified, createdAt, manifest}],',
        '                                         #  registrations: [{email, application, api, createdAt, manifest}]}',
      ]),
    )
    .action(async (flags: CommonFlags & { format: 'text' | 'manifest' }) => {
      const out = new Output(flags.json === true, colorOf(flags));
      const listed = await listRequests(stateOptions(flags));
      const requests = listed.requests.filter((r) => r.emailVerified);
      const unverified = listed.requests.filter((r) => !r.emailVerified);
      const { registrations } = listed;
      if (flags.format === 'manifest' && !flags.json) {
        if (requests.length === 0 && registrations.length === 0) process.stderr.write('No pending access requests.\n');
        const entries = mergedEntries({ ...listed, requests });
        return await out.lines([...entries, ...unverified.map(commentedEntry)]);
      }
      await out.result({ requests: listed.requests, registrations }, () => [
        ...requestLines(requests, registrations),
        ...unverifiedLines(unverified),
      ]);
    });
}

function requestLines(requests: AccessRequest[], registrations: RegistrationRequest[]): string[] {
  if (requests.length === 0 && registrations.length === 0) return ['No pending access requests.'];
  const signUps =
    requests.length === 0
      ? []
      : [
          `${plural(requests.length, 'pending access request')}, oldest first:`,
          ...requests.map((r) => `  ${storedText(r.email)}  ${storedJson(r.fullName)}  requested ${r.createdAt}`),
        ];
  const registrationLines =
    registrations.length === 0
      ? []
      : [
          ...(signUps.length > 0 ? [''] : []),
          `${plural(registrations.length, 'pending registration request')}, oldest first:`,
          ...registrations.map(
            (r) => `  ${storedText(registrationAddress(r.email, r.application, r.api))}  requested ${r.createdAt}`,
          ),
        ];
  return [
    ...signUps,
    ...registrationLines,
    '',
    'Approve one by declaring it in a manifest: `portalform requests --format manifest` prints the entries.',
  ];
}

/** Listed apart: they are no requests until they verify their address, and a plan refuses to adopt them. */
function unverifiedLines(unverified: AccessRequest[]): string[] {
  if (unverified.length === 0) return [];
  return [
    '',
    `${plural(unverified.length, 'unverified sign-up')}, oldest first (not access requests until they verify ` +
      'their address with the link mailed to them):',
    ...unverified.map((r) => `  ${storedText(r.email)}  ${storedJson(r.fullName)}  signed up ${r.createdAt}`),
  ];
}
