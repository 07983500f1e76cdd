import { Option, type Command } from 'commander';
import {
  filterListing,
  findStateObject,
  listedCredentialAddress,
  listState,
  type StateListing,
} from '../../inspect.js';
import { apiAddress, applicationAddress, developerAddress, registrationAddress, STATUSES } from '../../model.js';
import { renderStateObjectText } from '../../render/state-listing.js';
import { storedText } from '../../render/stored-text.js';
import { colorOf, common, stateOptions, type CommonFlags } from '../flags.js';
import { Output } from '../io.js';
import { examples } from '../shared.js';

export function registerState(program: Command): void {
  const state = program.command('state').description('Inspect the stored state');
  common(state.command('list'))
    .description('List the stored APIs, developers, applications, credentials and registrations (secrets redacted)')
    .argument('[prefix]', 'only the addresses that start with this, e.g. developer["ada@')
    .addOption(new Option('--status <status>', 'only the developers in this status').choices([...STATUSES]))
    .addHelpText(
      'after',
      examples([
        'portalform state list',
        `portalform state list 'developer["ada@' --json`,
        'portalform state list --status revoked',
      ]),
    )
    .action(async (prefix: string | undefined, flags: CommonFlags & { status?: string }) => {
      const out = new Output(flags.json === true, colorOf(flags));
      const listingJson = filterListing(await listState({ ...stateOptions(flags), mustExist: true }), {
        prefix,
        status: flags.status,
      });
      await out.result(listingJson, () => listingLines(listingJson));
    });
  common(state.command('show'))
    .description(
      'Show one stored API, developer (with its credentials and applications), application (with its credentials ' +
        'and registrations), credential or registration, all its fields (secrets redacted)',
    )
    .argument(
      '<address>',
      'e.g. developer["ada@example.com"], developer["ada@example.com"].credential["key-auth:ci"], api["payments"], ' +
        'developer["ada@example.com"].application["billing"] or …application["billing"].registration["payments"]',
    )
    .addHelpText(
      'after',
      examples([
        `portalform state show 'developer["ada@example.com"]'`,
        `portalform state show 'api["payments"]' --json`,
        `portalform state show 'developer["ada@example.com"].application["billing"].registration["payments"]'`,
      ]),
    )
    .action(async (address: string, flags: CommonFlags) => {
      const out = new Output(flags.json === true, colorOf(flags));
      const object = findStateObject(await listState({ ...stateOptions(flags), mustExist: true }), address);
      await out.result(object, () => renderStateObjectText(object, out.color));
    });
}

/** One line per object: its address and its status (developers, registrations) or whether it is active (credentials). */
function listingLines(listing: StateListing): string[] {
  const active = (c: Record<string, unknown>) => (c.active ? 'active' : 'inactive');
  return [
    ...listing.apis.map((api) => storedText(apiAddress(api.name))),
    ...listing.developers.flatMap((d) => [
      `${storedText(developerAddress(d.email))}  ${d.status}${d.emailVerified ? '' : '  (address not verified)'}`,
      ...d.credentials.map((c) => `${storedText(listedCredentialAddress(d.email, c))}  ${active(c)}`),
      ...d.applications.flatMap((a) => [
        `${storedText(applicationAddress(d.email, a.name))}  ${a.origin}`,
        ...a.credentials.map((c) => `${storedText(listedCredentialAddress(d.email, c, a.name))}  ${active(c)}`),
        ...a.registrations.map((r) => `${storedText(registrationAddress(d.email, a.name, r.api))}  ${r.status}`),
      ]),
    ]),
  ];
}
