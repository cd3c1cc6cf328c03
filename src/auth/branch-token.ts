/**
 * The read endpoints' checks (CONTRACT §1), in the contract's order: missing parameters, invalid
 * identifiers and option values, unknown branch (404), wrong token (401), then the token's rate
 * limit (429). One cached KV read per request. Failed lookups are rate limited per client address
 * (probe-limit.ts), so the 404/401 distinction cannot be used to enumerate at speed.
 */
import type { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { type BranchConfig, readBranchCached } from "../config/store";
import { ApiError, MESSAGES } from "../errors";
import { IDENTIFIER } from "../schemas/common";
import { digestsEqual, sha256Hex } from "./crypto";
import { failedProbe } from "./probe-limit";
import { enforceReadLimit } from "./rate-limit";

export type BranchReader = { config: BranchConfig; tokenId: string };

/** A route's own query options: any parameter it rejects is `Parámetro inválido: <its name>`. */
export type QueryOptions<T> = z.ZodType<T>;

export function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

export async function authorizeBranchRead(c: Context<AppEnv>): Promise<BranchReader>;
export async function authorizeBranchRead<T>(c: Context<AppEnv>, options: QueryOptions<T>): Promise<BranchReader & { options: T }>;
export async function authorizeBranchRead<T>(c: Context<AppEnv>, options?: QueryOptions<T>): Promise<BranchReader & { options?: T }> {
  const token = c.req.query("token") || bearerToken(c.req.header("Authorization"));
  const empresa = c.req.query("empresa");
  const sucursal = c.req.query("sucursal");

  const missing = Object.entries({ token, empresa, sucursal })
    .filter(([, value]) => !value)
    .map(([name]) => name);
  if (missing.length) throw new ApiError(400, MESSAGES.missing(missing));
  for (const [name, value] of [["empresa", empresa], ["sucursal", sucursal]] as const) {
    if (!IDENTIFIER.test(value!)) throw new ApiError(400, MESSAGES.invalidParam(name));
  }
  // Every parameter is checked before the branch is looked up.
  const parsed = options?.safeParse(c.req.query());
  if (parsed && !parsed.success) {
    throw new ApiError(400, MESSAGES.invalidParam(String(parsed.error.issues[0].path[0] ?? "consulta")));
  }

  const config = await readBranchCached(c.env.CONFIG, empresa!, sucursal!);
  if (!config) throw await failedProbe(c, new ApiError(404, MESSAGES.notFoundBranch));

  const tokenId = await matchingTokenId(config, token!);
  if (!tokenId) throw await failedProbe(c, new ApiError(401, MESSAGES.badToken));
  await enforceReadLimit(c.env, config, tokenId);
  return { config, tokenId, options: parsed?.data };
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
