import type { Command } from 'commander';
import { invite } from '../../portal/invite.js';
import { colorOf, common, stateOptions, type CommonFlags } from '../flags.js';
import { Output, parseDuration } from '../io.js';

type InviteFlags = CommonFlags & { publicUrl?: string; actor?: string; mail?: boolean };

export function registerInvite(program: Command): void {
  common(program.command('invite'))
    .description(
      'Print a one-time link (72 hours) with which a developer sets a portal password and proves the address; also mail one',
    )
    .argument('<address>', 'e.g. developer["ada@example.com"]')
    .option('--public-url <url>', 'where the portal is reached (env PORTALFORM_PUBLIC_URL)')
    .option('--actor <name>', 'who is inviting, for the history')
    .option('--no-mail', 'only print the link: queue no invite message')
    .action(async (address: string, flags: InviteFlags) => {
      const out = new Output(flags.json === true, colorOf(flags));
      const result = await invite(address, {
        ...stateOptions(flags),
        publicUrl: flags.publicUrl,
        actor: flags.actor,
        mail: flags.mail !== false,
        ...(flags.lockTimeout ? { lockTimeoutMs: parseDuration(flags.lockTimeout) } : {}),
      });
      const mailed = flags.mail === false ? [] : ['(an invite message with a link of its own is queued)'];
      await out.result(result, () => [result.url, `(single use, expires ${result.expiresAt})`, ...mailed]);
    });
}
