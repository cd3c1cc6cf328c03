/**
 * The headers of the service's own pages (/monitor/, /panel/): a Content-Security-Policy that lets a
 * page run only its own inline script and style (allowed by SHA-256) and files of this service
 * ('self'), talk only to this service, and be framed by no one; no Referer (the token travels in the
 * fragment), no sniffing, revalidated on every load.
 */
import type { Context } from "hono";

/** The text between an element's tags, exactly as the browser hashes it. */
function inlineText(html: string, tag: "script" | "style"): string {
  const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(html);
  if (!match) throw new Error(`page has no inline ${tag}`);
  return match[1];
}

async function sha256Source(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return `'sha256-${btoa(String.fromCharCode(...new Uint8Array(digest)))}'`;
}

/** `selfFiles`: the page also loads scripts and styles served by this service (a bundled library). */
async function buildPolicy(page: string, selfFiles: boolean): Promise<string> {
  const extra = selfFiles ? "'self' " : "";
  return [
    "default-src 'none'",
    `script-src ${extra}${await sha256Source(inlineText(page, "script"))}`,
    `style-src ${extra}${await sha256Source(inlineText(page, "style"))}`,
    "connect-src 'self'",
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** A page's policy, computed once per isolate: the page is a constant. */
export function pagePolicy(page: string, { selfFiles = false } = {}): () => Promise<string> {
  let policy: Promise<string> | undefined;
  return () => (policy ??= buildPolicy(page, selfFiles));
}

/** Serves a page with its policy and the headers every page shares. */
export async function servePage(c: Context, page: string, policy: () => Promise<string>) {
  c.header("Content-Security-Policy", await policy());
  c.header("Referrer-Policy", "no-referrer");
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Cache-Control", "no-cache");
  return c.html(page);
}
