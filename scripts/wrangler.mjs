/**
 * The one way our scripts and end-to-end tests start `wrangler dev` on loopback: detached in its
 * own process group (so it is stopped by that group, never by name), resolved once /health answers.
 */
import { spawn } from "node:child_process";
import { openSync } from "node:fs";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts `wrangler dev` on 127.0.0.1:`port` with its state under `persistTo`. `output` is "inherit",
 * "ignore", a writable stream (piped), or `logFile` (appended). Rejects if it exits or does not
 * answer /health within `timeoutMs`.
 */
export async function startWrangler({ port, persistTo, adminToken, logFile, output, config, inspectorPort, cwd, timeoutMs = 90_000 }) {
  const args = ["wrangler", "dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", persistTo, "--log-level", "warn",
    "--show-interactive-dev-session=false"];
  if (config) args.push("-c", config);
  if (inspectorPort) args.push("--inspector-port", String(inspectorPort));
  if (adminToken) args.push("--var", `ADMIN_TOKEN:${adminToken}`);
  const stream = output && typeof output === "object" ? output : null;
  const sink = logFile ? openSync(logFile, "a") : stream ? "pipe" : (output ?? "ignore");
  const child = spawn("npx", args, {
    cwd,
    detached: true,
    stdio: ["ignore", sink, sink],
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
  });
  if (stream) {
    child.stdout.pipe(stream, { end: false });
    child.stderr.pipe(stream, { end: false });
  }
  let exited = false;
  const exit = new Promise((resolve) => child.on("exit", (code) => resolve((exited = true) && code)));
  const server = {
    base: `http://127.0.0.1:${port}`,
    pid: child.pid,
    child,
    /** Resolves with the exit code once `npx` exits. */
    exited: exit,
    /** Sends `signal` to the whole process tree (npx → node → workerd) and waits until it is gone. */
    async kill(signal = "SIGTERM") {
      try {
        process.kill(-child.pid, signal);
      } catch {
        return; // the group is gone
      }
      await Promise.race([exit, sleep(5_000)]);
      // npx may exit before workerd: make sure nothing of the group is left holding the port.
      for (let i = 0; i < 50; i++) {
        try {
          process.kill(-child.pid, 0);
        } catch {
          return;
        }
        if (i === 20) try { process.kill(-child.pid, "SIGKILL"); } catch {}
        await sleep(100);
      }
    },
    /** SIGTERM, then SIGKILL if the group is still there. */
    async stop() {
      await server.kill("SIGTERM");
      await server.kill("SIGKILL");
    },
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`wrangler dev exited early${logFile ? `; see ${logFile}` : ""}`);
    try {
      if ((await fetch(`${server.base}/health`, { signal: AbortSignal.timeout(2_000) })).ok) return server;
    } catch {}
    await sleep(300);
  }
  await server.stop();
  throw new Error(`wrangler dev did not answer /health within ${timeoutMs / 1000} s${logFile ? `; see ${logFile}` : ""}`);
}
