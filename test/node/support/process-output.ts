/** What a child process printed and how it ended, collected for a test to assert on. */
import type { ChildProcessByStdio } from "node:child_process";
import type { Readable, Writable } from "node:stream";

export interface ProcessOutput {
  status: number | null;
  stdout: string;
  stderr: string;
}

type WithOutput = ChildProcessByStdio<Writable | null, Readable, Readable>;

/** Resolves when `child` has exited and closed its pipes; rejects when it could not start. */
export function outputOf(child: WithOutput): Promise<ProcessOutput> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("error", reject);
    child.once("close", (status) => resolve({ status, stdout, stderr }));
  });
}
