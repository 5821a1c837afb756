// Stand-in for the `postwerk` binary until control-plane/cli/main.ts registers `migrate`:
//   node --import tsx migrator/cli/run.ts migrate --from ... --to ...
import { Command, CommanderError } from 'commander';
import { isMigratorError } from '../errors';
import { EXIT_BAD_INPUT, registerMigrateCommand } from './migrate-command';

const program = new Command('postwerk').exitOverride().showHelpAfterError();
registerMigrateCommand(program);
program
  .parseAsync(process.argv)
  .then(() => process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0))
  .catch((e: unknown) => {
    if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : EXIT_BAD_INPUT);
    process.stderr.write(`postwerk migrate: ${(e as Error).message}\n`);
    process.exit(isMigratorError(e, 'MIGRATOR_INVALID_INPUT') ? EXIT_BAD_INPUT : 1);
  });
