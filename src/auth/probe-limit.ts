/**
 * Slows down enumeration through the read endpoints. A 404 says a branch does not exist and a 401
 * says it does, so failed lookups are counted per client address (`PROBE_LIMIT`); past the limit a
 * failed lookup answers 429 instead, whichever of the two it was. Successful reads never count,
 * so a monitor with a valid token is never slowed by this.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { ApiError, MESSAGES } from "../errors";

/** The binding's period in wrangler.toml: how long a client must wait once limited. */
export const PROBE_PERIOD_SECONDS = 60;

/** Locally `CF-Connecting-IP` may be absent: every such request shares one budget. */
const UNKNOWN_ADDRESS = "sin-direccion";

export function clientAddress(c: Context<AppEnv>): string {
  return c.req.header("CF-Connecting-IP") || UNKNOWN_ADDRESS;
}

/** Counts a failed lookup and returns the error to throw: the failure itself, or 429 once over the limit. */
export async function failedProbe(c: Context<AppEnv>, failure: ApiError): Promise<ApiError> {
  const { success } = await c.env.PROBE_LIMIT.limit({ key: clientAddress(c) });
  if (success) return failure;
  return new ApiError(429, MESSAGES.tooManyRequests(PROBE_PERIOD_SECONDS), {
    headers: { "Retry-After": String(PROBE_PERIOD_SECONDS) },
  });
}
