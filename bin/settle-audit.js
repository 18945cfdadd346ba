#!/usr/bin/env node
import { relaunch, relaunchedAuditFiles, watchLauncher } from '../dist/src/cli/relaunch.js';

// An audit of a large input runs in a child process started with V8 flags that suit a run keeping
// every core busy (src/cli/relaunch.ts says why); this process then only waits for it.
const args = process.argv.slice(2);
const code = await relaunch(process.argv[1], args);
if (code !== undefined) {
  process.exitCode = code;
} else {
  watchLauncher();
  // A large audit: its large files are hashed in a thread of their own while the tool loads
  // (src/pipeline/bulk/hash-ahead.ts says why).
  const files = relaunchedAuditFiles(args);
  if (files.length > 0) (await import('../dist/src/pipeline/bulk/hash-ahead.js')).hashAhead(files);
  const { main } = await import('../dist/src/cli/main.js');
  process.exitCode = await main(args);
}
