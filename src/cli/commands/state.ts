import type { Command } from 'commander';
import { listState } from '../../inspect.js';
import { CREDENTIAL_SPECS, credentialAddress, developerAddress, type CredentialType } from '../../model.js';
import { colorOf, common, stateOptions, type CommonFlags } from '../flags.js';
import { Output } from '../io.js';

export function registerState(program: Command): void {
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
}
