/**
 * The read endpoints' lookups, after their parameters were validated (src/routes/router.ts:
 * missing, then invalid): unknown branch (404), wrong token (401), then the token's rate limit
 * (429), as docs/guia-api.md#errores lists them. One cached KV read per request. Failed lookups are
 * rate limited per client address (probe-limit.ts), so the 404/401 distinction cannot be used to
 * enumerate at speed.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { type BranchConfig, readBranchCached } from "../config/store";
import { ApiError, MESSAGES } from "../errors";
import { digestsEqual, sha256Hex } from "./crypto";
import { failedProbe } from "./probe-limit";
import { enforceReadLimit } from "./rate-limit";

export type BranchReader = { config: BranchConfig; tokenId: string };

export function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

/** The credential a read presents: `?token=` first, else `Authorization: Bearer`. */
export function presentedToken(c: Context): string | undefined {
  return c.req.query("token") || bearerToken(c.req.header("Authorization"));
}

/** The branch and token of a read whose `empresa` and `sucursal` are valid identifiers. */
export async function authorizeBranchRead(c: Context<AppEnv>, branch: { empresa: string; sucursal: string }): Promise<BranchReader> {
  const token = presentedToken(c);
  if (!token) throw new ApiError(400, MESSAGES.missing(["token"]));
  const config = await readBranchCached(c.env.CONFIG, branch.empresa, branch.sucursal);
  if (!config) throw await failedProbe(c, new ApiError(404, MESSAGES.notFoundBranch));

  const tokenId = await matchingTokenId(config, token);
  if (!tokenId) throw await failedProbe(c, new ApiError(401, MESSAGES.badToken));
  await enforceReadLimit(c.env, config, tokenId);
  return { config, tokenId };
}

/** Checks the token against every stored hash of the branch, each in constant time. */
export async function matchingTokenId(config: BranchConfig, token: string): Promise<string | null> {
  const presented = await sha256Hex(token);
  let found: string | null = null;
  for (const record of config.tokens) {
    if (digestsEqual(presented, record.hash)) found = record.id;
  }
  return found;
}
