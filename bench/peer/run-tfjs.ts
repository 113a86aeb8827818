// The TF.js peer's timing entry (dist-node/peer.mjs): see runner.ts for the options.
//   node dist-node/peer.mjs [--batch 64] [--iterations 3] [--warmup 2] [--seed 1] [--adapter auto|lavapipe|swiftshader]
// TF.js is imported statically (through tfjs-lsgan.ts): a dynamic import of TF.js from the
// bundled entry never settled and Node exited with code 13.

import { runPeerCli } from './runner';
import { createTfjsLsgan } from './tfjs-lsgan';

runPeerCli(createTfjsLsgan).then(
  () => process.exit(0),
  (e) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(1);
  },
);
