#!/usr/bin/env node
// The `portcullis` executable. The CLI is TypeScript run as-is, which needs a Node that strips
// types by default (22.18+, 23.6+); `npx portcullis` in the repository uses the Node 24 it pins.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 18) || (major === 23 && minor < 6)) {
  process.stderr.write(
    `error unsupported_node: portcullis needs Node 22.18 or newer, not ${process.version}; ` +
      "run it as `npx portcullis` inside the repository.\n",
  );
  process.exit(2);
}
const { run } = await import("../src/cli/main.ts");
process.exitCode = await run(process.argv.slice(2));
