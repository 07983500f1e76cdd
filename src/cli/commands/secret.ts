import type { Command } from 'commander';
import { revealSecret } from '../../secrets/access.js';
import { colorOf, common, stateOptions, type CommonFlags } from '../flags.js';
import { Output, parseDuration } from '../io.js';

export function registerSecret(program: Command): void {
  const secret = program.command('secret').description('Work with stored secrets on purpose');
  common(secret.command('reveal'))
    .description("Print a credential's secret values (needs the state key; every reveal is recorded in the history)")
    .argument('<address>', 'e.g. developer["ada@example.com"].credential["key-auth:ci"]')
    .option('--actor <name>', 'who is revealing, for the history')
    .action(async (address: string, flags: CommonFlags & { actor?: string }) => {
      const out = new Output(flags.json === true, colorOf(flags));
      const values = await revealSecret(address, {
        ...stateOptions(flags),
        actor: flags.actor,
        lockTimeoutMs: parseDuration(flags.lockTimeout),
      });
      await out.result({ address, secrets: values }, () =>
        Object.entries(values).map(([field, value]) => `${field} = ${value}`),
      );
    });
}
