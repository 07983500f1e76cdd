import { Option, type Command } from 'commander';
import { filterListing, findStateObject, listedCredentialAddress, listState } from '../../inspect.js';
import { developerAddress, STATUSES } from '../../model.js';
import { renderStateObjectText } from '../../render/state-listing.js';
import { storedText } from '../../render/stored-text.js';
import { colorOf, common, stateOptions, type CommonFlags } from '../flags.js';
import { Output } from '../io.js';
import { examples } from '../shared.js';

export function registerState(program: Command): void {
  const state = program.command('state').description('Inspect the stored state');
  common(state.command('list'))
    .description('List the stored developers and credentials (secrets redacted)')
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
      await out.result(listingJson, () =>
        listingJson.developers.flatMap((d) => [
          `${storedText(developerAddress(d.email))}  ${d.status}${d.emailVerified ? '' : '  (address not verified)'}`,
          ...d.credentials.map(
            (c) => `${storedText(listedCredentialAddress(d.email, c))}  ${c.active ? 'active' : 'inactive'}`,
          ),
        ]),
      );
    });
  common(state.command('show'))
    .description('Show one stored developer (with its credentials) or credential, all its fields (secrets redacted)')
    .argument(
      '<address>',
      'e.g. developer["ada@example.com"] or developer["ada@example.com"].credential["key-auth:ci"]',
    )
    .action(async (address: string, flags: CommonFlags) => {
      const out = new Output(flags.json === true, colorOf(flags));
      const object = findStateObject(await listState({ ...stateOptions(flags), mustExist: true }), address);
      await out.result(object, () => renderStateObjectText(object, out.color));
    });
}
