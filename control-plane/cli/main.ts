import { Command, CommanderError } from 'commander';
import { AppError, EXIT, exitCodeFor } from '../../platform/errors';
import { ConfigError } from '../../platform/config';
import { registerCliCommands } from './commands';

/**
 * `postwerk`: the operator's command line. Every subcommand calls the same domain commands as the API,
 * acting as the `cli` actor (recorded in the audit log with the OS user).
 */
export function buildProgram(): Command {
  const program = new Command('postwerk')
    .description('Postwerk: control plane for managed mail hosting and mailbox migration')
    .showHelpAfterError()
    .exitOverride();
  registerCliCommands(program);
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    if (e instanceof ConfigError) {
      process.stderr.write(`postwerk: ${e.message}\n`);
      return EXIT.badInput;
    }
    if (e instanceof AppError) {
      process.stderr.write(`postwerk: ${e.message}\n`);
      if (Array.isArray(e.details)) for (const d of e.details) process.stderr.write(`  ${JSON.stringify(d)}\n`);
      return exitCodeFor(e);
    }
    process.stderr.write(`postwerk: ${(e as Error).stack ?? String(e)}\n`);
    return exitCodeFor(e);
  }
}

/** Runs the CLI and exits with its code once stdout has drained (a piped export must not be cut short). */
export function main(argv: string[] = process.argv): void {
  runCli(argv).then((code) => process.stdout.write('', () => process.exit(code)));
}

// `npm run postwerk -- …` runs this file directly; bin/postwerk calls main() itself.
if (require.main === module) main();
