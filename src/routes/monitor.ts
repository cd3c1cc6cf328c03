/**
 * `GET /monitor/`: the self-contained wall-monitor page (CONTRACT §2). Its one inline script and one
 * inline style are allowed by their SHA-256 in a strict Content-Security-Policy, so nothing else can
 * run or load on the page; the token it reads from the URL fragment never leaves in a Referer.
 */
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { ApiError, MESSAGES } from "../errors";
import page from "../monitor/monitor.html";

export const monitor = new Hono<AppEnv>();

/** The text between an element's tags, exactly as the browser hashes it. */
function inlineText(html: string, tag: "script" | "style"): string {
  const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(html);
  if (!match) throw new Error(`monitor page has no inline ${tag}`);
  return match[1];
}

async function sha256Source(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return `'sha256-${btoa(String.fromCharCode(...new Uint8Array(digest)))}'`;
}

let policy: Promise<string> | undefined;

/** Computed once per isolate: the page is a constant. */
export function contentSecurityPolicy(): Promise<string> {
  policy ??= (async () =>
    [
      "default-src 'none'",
      `script-src ${await sha256Source(inlineText(page, "script"))}`,
      `style-src ${await sha256Source(inlineText(page, "style"))}`,
      "connect-src 'self'",
      "img-src 'self'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join("; "))();
  return policy;
}

monitor.get("/", async (c) => {
  c.header("Content-Security-Policy", await contentSecurityPolicy());
  c.header("Referrer-Policy", "no-referrer");
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Cache-Control", "no-cache");
  return c.html(page);
});

monitor.all("/", () => {
  throw new ApiError(405, MESSAGES.methodNotAllowed, { headers: { Allow: "GET, HEAD" } });
});
