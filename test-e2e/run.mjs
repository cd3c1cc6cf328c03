/**
 * Runs every end-to-end test (test-e2e/*.e2e.mjs) one after the other, each in its own node
 * process with a time limit, outside workerd: they start `wrangler dev` and a browser themselves.
 */
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const LIMIT_MS = 300_000;
const here = new URL(".", import.meta.url).pathname;
const files = readdirSync(here).filter((name) => name.endsWith(".e2e.mjs")).sort();

let failures = 0;
for (const file of files) {
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [join(here, file)], { stdio: "inherit" });
    const timer = setTimeout(() => child.kill("SIGTERM"), LIMIT_MS);
    child.on("exit", (status, signal) => {
      clearTimeout(timer);
      resolve(signal ? 1 : status);
    });
  });
  if (code !== 0) {
    failures += 1;
    console.error(`${file} failed`);
  }
}
console.log(`end-to-end: ${files.length - failures}/${files.length} passed`);
process.exit(failures ? 1 : 0);
