// The jax-js peer's timing entry (dist-node/peer-jaxjs.mjs): see runner.ts for the options.
//   node dist-node/peer-jaxjs.mjs [--batch 64] [--iterations 3] [--warmup 2] [--seed 1] [--adapter auto|lavapipe|swiftshader]

import { createJaxjsLsgan } from './jaxjs-lsgan';
import { runPeerCli } from './runner';

runPeerCli(createJaxjsLsgan).then(
  () => process.exit(0),
  (e) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(1);
  },
);
