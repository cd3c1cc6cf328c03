/**
 * `npm test`'s first step: the Debian programs the browser and Prometheus tests drive must be
 * there, so the README's two commands are the whole set-up. Missing ones are installed with
 * apt-get when this runs as root on a machine that has it (as on a fresh CI box); anywhere else it
 * stops with one sentence saying what to install. Never a silent skip.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { CHROMIUM } from "./server.mjs";

/** Each program a test needs, and the Debian package that provides it. */
const NEEDED = [
  { path: CHROMIUM, pkg: "chromium", custom: Boolean(process.env.CHROMIUM_PATH) },
  { path: "/usr/bin/prometheus", pkg: "prometheus" },
  { path: "/usr/bin/promtool", pkg: "prometheus" },
];

const runnable = (path) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

const missing = () => NEEDED.filter(({ path }) => !runnable(path));

let absent = missing();
const packages = [...new Set(absent.filter(({ custom }) => !custom).map(({ pkg }) => pkg))];
const canInstall = process.getuid?.() === 0 && runnable("/usr/bin/apt-get") && packages.length > 0;

if (canInstall) {
  console.log(`preflight: installing ${packages.join(", ")} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update", "-qq"], ["install", "-y", "-qq", "--no-install-recommends", ...packages]]) {
    const result = spawnSync("apt-get", args, { stdio: "inherit", env });
    if (result.status !== 0) {
      console.error(`preflight: apt-get ${args[0]} failed (exit ${result.status})`);
      process.exit(1);
    }
  }
  absent = missing();
}

if (absent.length) {
  const names = absent.map(({ path }) => path).join(", ");
  console.error(
    `npm test needs ${names}: install Debian's packages with \`sudo apt-get install -y chromium prometheus\` ` +
      "(or set CHROMIUM_PATH=/path/to/chromium for a browser in another place), then run npm test again.",
  );
  process.exit(1);
}
console.log(`preflight: ${NEEDED.map(({ path }) => path).join(", ")} present`);
