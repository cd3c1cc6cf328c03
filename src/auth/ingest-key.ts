/**
 * The ingest API's guard. A key reads `hk_<id>_<secret>`: the id finds its KV record, the whole key
 * is checked against the stored hash in constant time. The key's empresa is left in the context.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { readIngestKeyCached } from "../config/store";
import { ApiError, MESSAGES } from "../errors";
import { bearerToken } from "./credentials";
import { secretMatches } from "./crypto";

/** `jsonBody`: the request body, once http/read-json.ts has read it. */
export type IngestEnv = AppEnv & { Variables: { ingestEmpresa: string; jsonBody: unknown } };

const KEY_FORMAT = /^hk_([0-9a-f]{16})_[A-Za-z0-9_-]{20,}$/;

export function ingestKeyId(key: string): string | null {
  return KEY_FORMAT.exec(key)?.[1] ?? null;
}

export const requireIngestKey = createMiddleware<IngestEnv>(async function requireIngestKey(c, next) {
  const presented = bearerToken(c.req.header("Authorization"));
  const id = presented ? ingestKeyId(presented) : null;
  const record = id ? await readIngestKeyCached(c.env.CONFIG, id) : null;
  if (!presented || !record || !(await secretMatches(presented, record.hash))) {
    throw new ApiError(401, MESSAGES.unauthorized);
  }
  c.set("ingestEmpresa", record.empresa);
  await next();
});
