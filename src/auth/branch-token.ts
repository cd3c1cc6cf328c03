/**
 * The read endpoints' lookups, after their parameters were validated (src/routes/router.ts:
 * missing, then invalid): unknown branch (404), wrong token (401), then the token's rate limit
 * (429), as docs/guia-api.md#errores lists them. A company token of the branch's empresa is
 * accepted too (auth/company-token.ts). One cached KV read per request. Failed lookups are
 * rate limited per client address (probe-limit.ts), so the 404/401 distinction cannot be used to
 * enumerate at speed.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { type BranchConfig, readBranchCached } from "../config/store";
import { ApiError, MESSAGES } from "../errors";
import { COMPANY_TOKEN_PREFIX, companyBudget, companyTokenId, matchingRecordId } from "./company-token";
import { presentedToken } from "./credentials";
import { failedProbe } from "./probe-limit";
import { enforceReadLimit } from "./rate-limit";

export type BranchReader = { config: BranchConfig; tokenId: string };


/** The branch and token of a read whose `empresa` and `sucursal` are valid identifiers. */
export async function authorizeBranchRead(c: Context<AppEnv>, branch: { empresa: string; sucursal: string }): Promise<BranchReader> {
  const token = presentedToken(c);
  if (!token) throw new ApiError(400, MESSAGES.missing(["token"]));
  const config = await readBranchCached(c.env.CONFIG, branch.empresa, branch.sucursal);
  if (!config) throw await failedProbe(c, new ApiError(404, MESSAGES.notFoundBranch));

  const branchTokenId = await matchingRecordId(config.tokens, token);
  if (branchTokenId) {
    await enforceReadLimit(c.env, `${config.empresa}/${config.sucursal}/${branchTokenId}`);
    return { config, tokenId: branchTokenId };
  }
  // A company token of the branch's empresa opens it as the branch's own token would.
  const companyId = await companyTokenId(c.env.CONFIG, config.empresa, token);
  if (!companyId) throw await failedProbe(c, new ApiError(401, MESSAGES.badToken));
  await enforceReadLimit(c.env, companyBudget(config.empresa, companyId));
  return { config, tokenId: `${COMPANY_TOKEN_PREFIX}${companyId}` };
}
