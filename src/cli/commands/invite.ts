import type { Command } from 'commander';
import { invite } from '../../portal/invite.js';
import { colorOf, common, stateOptions, type CommonFlags } from '../flags.js';
import { Output, parseDuration } from '../io.js';

export function registerInvite(program: Command): void {
  common(program.command('invite'))
    .description('Print a one-time link (72 hours) with which a developer the manifests created sets a portal password')
    .argument('<address>', 'e.g. developer["ada@example.com"]')
    .option('--public-url <url>', 'where the portal is reached (env PORTALFORM_PUBLIC_URL)')
    .option('--actor <name>', 'who is inviting, for the history')
    .action(async (address: string, flags: CommonFlags & { publicUrl?: string; actor?: string }) => {
      const out = new Output(flags.json === true, colorOf(flags));
      const result = await invite(address, {
        ...stateOptions(flags),
        publicUrl: flags.publicUrl,
        actor: flags.actor,
        ...(flags.lockTimeout ? { lockTimeoutMs: parseDuration(flags.lockTimeout) } : {}),
      });
      await out.result(result, () => [result.url, `(single use, expires ${result.expiresAt})`]);
    });
}
