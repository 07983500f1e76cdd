import type { Command } from 'commander';
import { forceUnlock } from '../../engine.js';
import { colorOf, common, stateOptions, type CommonFlags } from '../flags.js';
import { Output } from '../io.js';

export function registerForceUnlock(program: Command): void {
  common(program.command('force-unlock'))
    .description(
      'Clear a state lock left by a crashed run (PostgreSQL advisory locks end with their session by themselves)',
    )
    .argument('<lock-id>', 'the lock ID printed by the refused run')
    .action(async (lockId: string, flags: CommonFlags) => {
      const out = new Output(flags.json === true, colorOf(flags));
      const released = await forceUnlock(lockId, stateOptions(flags));
      await out.result({ released }, () => [
        `Lock ${released.id} held by ${released.holder.user}@${released.holder.host} (pid ${released.holder.pid}) since ${released.since} was cleared.`,
      ]);
    });
}
