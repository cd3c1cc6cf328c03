/**
 * Security headers on every response, errors and 404s included. A route that needs its own value
 * (the monitor page's CSP, say) sets it and keeps it: these are only added where absent.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";

export const SECURITY_HEADERS: Record<string, string> = {
  // A JSON body is never rendered as HTML or script, whatever a chat's name holds.
  "X-Content-Type-Options": "nosniff",
  // Read URLs carry a token: it must not travel on in a Referer.
  "Referrer-Policy": "no-referrer",
  // An API response loads nothing and is framed by no one; pages that need more set their own.
  "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
};

export const securityHeaders = createMiddleware<AppEnv>(async function securityHeaders(c, next) {
  await next();
  // A WebSocket handshake's response belongs to the runtime and carries no document.
  if (c.res.status === 101) return;
  const missing = Object.entries(SECURITY_HEADERS).filter(([name]) => !c.res.headers.has(name));
  if (!missing.length) return;
  try {
    for (const [name, value] of missing) c.res.headers.set(name, value);
  } catch {
    // A response from fetch() or the cache has immutable headers: copy it, then add them.
    const copy = new Response(c.res.body, c.res);
    for (const [name, value] of missing) copy.headers.set(name, value);
    c.res = undefined;
    c.res = copy;
  }
});
