#!/usr/bin/env node
import { relaunch, watchLauncher } from '../dist/src/cli/relaunch.js';

// An audit of a large input runs in a child process started with V8 flags that suit a run keeping
// every core busy (src/cli/relaunch.ts says why); this process then only waits for it.
const args = process.argv.slice(2);
const code = await relaunch(process.argv[1], args);
if (code !== undefined) {
  process.exitCode = code;
} else {
  watchLauncher();
  const { main } = await import('../dist/src/cli/main.js');
  process.exitCode = await main(args);
}
