/**
 * The per-token rate limit of the public read endpoints (docs/guia-api.md#límites), with the Workers
 * rate-limiting binding `TOKEN_LIMIT` (its limit and period are in wrangler.toml). Keyed by the
 * token's id, never by the token.
 */
import { ApiError, MESSAGES } from "../errors";

/** TOKEN_LIMIT's period in wrangler.toml: the binding does not tell it at run time. */
export const RATE_LIMIT_PERIOD_SECONDS = 60;

/** `budget` names the token (its id, never the token): a branch token's, or a company token's across its branches. */
export async function enforceReadLimit(env: Env, budget: string, now = Date.now()): Promise<void> {
  const { success } = await env.TOKEN_LIMIT.limit({ key: budget });
  if (success) return;
  // Windows are fixed and, in wrangler's simulation, aligned to multiples of the period; Cloudflare
  // does not publish its alignment, so this is the wait until the current window's end at most.
  const period = RATE_LIMIT_PERIOD_SECONDS * 1000;
  const seconds = Math.max(1, Math.ceil((period - (now % period)) / 1000));
  throw new ApiError(429, MESSAGES.tooManyRequests(seconds), { headers: { "Retry-After": String(seconds) } });
}
