import { main } from './cli';
import { applyCollectorSettings } from './collector-settings';
import { confineWebAssemblyToLiftoff } from './webassembly-tiers';

// WebAssembly on Liftoff only, the request scan's module on TurboFan (webassembly-tiers.ts).
confineWebAssemblyToLiftoff();
// The old generation's growing factor fixed at V8's maximum: under large bodies V8's own choice
// left some processes mark-compacting every few dozen calls (collector-settings.ts).
applyCollectorSettings();

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`switchyard: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  },
);
