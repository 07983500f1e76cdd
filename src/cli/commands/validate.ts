import type { Command } from 'commander';
import { load } from '../../engine.js';
import { paint } from '../../render/color.js';
import { plural } from '../../util/plural.js';
import { colorOf, common, planOptions, type CommonFlags } from '../flags.js';
import { Output } from '../io.js';
import { diagnosticJson } from '../shared.js';

export function registerValidate(program: Command): void {
  common(program.command('validate'))
    .description('Check manifests (syntax, schema, references, uniqueness, secret sources); changes nothing')
    .argument('[paths...]', 'manifest files or directories (default: the current directory)')
    .action(async (paths: string[] | undefined, flags: CommonFlags) => {
      const out = new Output(flags.json === true, colorOf(flags));
      const { desired, warnings } = await load(planOptions(paths, flags));
      out.diagnostics(warnings);
      const count = desired.developers.length;
      const apis = desired.apis?.length ?? 0;
      const applications = desired.developers.reduce((sum, d) => sum + (d.applications?.length ?? 0), 0);
      const objects = [
        plural(count, 'developer'),
        ...(apis > 0 ? [plural(apis, 'API')] : []),
        ...(applications > 0 ? [plural(applications, 'application')] : []),
      ];
      const what = objects.length > 1 ? `${objects.slice(0, -1).join(', ')} and ${objects.at(-1)}` : objects[0];
      await out.result(
        {
          valid: true,
          developers: count,
          apis,
          applications,
          files: desired.files.length,
          warnings: warnings.map(diagnosticJson),
        },
        () => [paint(`Success! ${what} in ${plural(desired.files.length, 'file')} are valid.`, 'green', out.color)],
      );
    });
}
