import type { Command } from 'commander';
import { listing, readExistingState } from '../../inspect.js';
import { readSavedPlan } from '../../engine.js';
import { renderStateText } from '../../render/state-listing.js';
import { colorOf, common, stateOptions, type CommonFlags } from '../flags.js';
import { Output } from '../io.js';
import { renderPlan } from '../shared.js';

export function registerShow(program: Command): void {
  common(program.command('show'))
    .description('Render a saved plan, or the current state')
    .argument('[planfile]', 'a saved plan file')
    .action(async (planFile: string | undefined, flags: CommonFlags) => {
      const out = new Output(flags.json === true, colorOf(flags));
      if (planFile) {
        const { plan, verified } = await readSavedPlan(planFile, stateOptions(flags));
        if (!verified)
          process.stderr.write(
            'Note: the state this plan was made for is not at hand, so its seal was not checked; apply checks it.\n',
          );
        return await renderPlan(out, plan, out.json ? 'json' : 'text');
      }
      const state = await readExistingState(stateOptions(flags));
      await out.result(listing(state), () => renderStateText(state, out.color));
    });
}
