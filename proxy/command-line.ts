import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * Parses a subcommand's arguments (`switchyard keys …`, `config …`, `requests …`) with positionals
 * allowed; a bad option is told on stderr with the usage, and answered with exit code 2.
 */
export function parseCommandLine<const Options extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  usage: string,
  argv: string[],
  options: Options,
): ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: Options }>> | number {
  try {
    return parseArgs({ args: argv, allowPositionals: true, options });
  } catch (error) {
    process.stderr.write(`switchyard ${command}: ${(error as Error).message}\n\n${usage}\n`);
    return 2;
  }
}
