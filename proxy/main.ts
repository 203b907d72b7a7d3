import { main } from './cli';

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`switchyard: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  },
);
