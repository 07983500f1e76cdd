import { Option, type Command } from 'commander';
import { exportState, type ExportFormat } from '../../export/index.js';
import { writeExportDir } from '../../export/write-dir.js';
import { plural } from '../../util/plural.js';
import { colorOf, common, stateOptions, type CommonFlags } from '../flags.js';
import { Output, parseDuration } from '../io.js';

export function registerExport(program: Command): void {
  common(program.command('export'))
    .description(
      'Write the stored state as manifests (plan on them shows no changes) or as a decK file for Kong Gateway',
    )
    .addOption(new Option('--format <format>', 'what to write').choices(['manifest', 'deck']).default('manifest'))
    .option('--out <dir>', 'write files into this directory (manifests: one file per developer) instead of stdout')
    .option(
      '--include-unmanaged',
      'manifests: also the developers, applications, credentials and registrations the manifests do not manage (a plan on the export adopts them)',
    )
    .option('--actor <name>', 'who is exporting, for the history (a decK export with secrets is recorded)')
    .action(
      async (
        flags: CommonFlags & { format: ExportFormat; out?: string; includeUnmanaged?: boolean; actor?: string },
      ) => {
        const options = {
          ...stateOptions(flags),
          includeUnmanaged: flags.includeUnmanaged === true,
          actor: flags.actor,
          lockTimeoutMs: parseDuration(flags.lockTimeout),
          warn: (message: string) => new Output(false, colorOf(flags)).warn(message),
          note: (message: string) => process.stderr.write(`Note: ${message}.\n`),
        };
        const files = await exportState(flags.format, flags.out ? 'files' : 'stdout', options);
        if (!flags.out) return await new Output(false, false).lines([...files.values()].map((text) => text.trimEnd()));
        const { removed } = writeExportDir(flags.out, flags.format, files, flags.format === 'deck' ? 0o600 : 0o644);
        const removedNote =
          removed.length > 0
            ? `, removed ${plural(removed.length, 'file')} an earlier export wrote that no longer belong`
            : '';
        process.stderr.write(`Wrote ${plural(files.size, 'file')} to ${flags.out}${removedNote}\n`);
      },
    );
}
