/**
 * Company tokens (docs/empresa.md#tokens-de-empresa): stored hashed in the company's KV record,
 * compared in constant time like branch tokens. A company token opens the company endpoints and
 * every read endpoint of each of its branches; a branch token never opens a company endpoint.
 * A company token's rate-limit budget is one across everything it opens.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { type CompanyConfig, type TokenRecord, readCompanyCached } from "../config/store";
import { ApiError, MESSAGES } from "../errors";
import { presentedToken } from "./credentials";
import { digestsEqual, sha256Hex } from "./crypto";
import { failedProbe } from "./probe-limit";
import { enforceReadLimit } from "./rate-limit";

/** How a company token is named beside branch token ids (live sockets' attachments). */
export const COMPANY_TOKEN_PREFIX = "empresa:";

/** Checks the token against every stored hash, each in constant time; the matching record's id. */
export async function matchingRecordId(records: readonly TokenRecord[], token: string): Promise<string | null> {
  const presented = await sha256Hex(token);
  let found: string | null = null;
  for (const record of records) {
    if (digestsEqual(presented, record.hash)) found = record.id;
  }
  return found;
}

/** The rate-limit key of a company token: one budget whichever endpoint or branch it reads. */
export const companyBudget = (empresa: string, id: string) => `${COMPANY_TOKEN_PREFIX}${empresa}/${id}`;

/** The company token's id, when `token` is an active company token of `empresa`. */
export async function companyTokenId(kv: KVNamespace, empresa: string, token: string): Promise<string | null> {
  const company = await readCompanyCached(kv, empresa);
  return company && (await matchingRecordId(company.tokens, token));
}

export type CompanyReader = { company: CompanyConfig; tokenId: string };

/** A company read: 404 without a provisioned branch, 401 without an active company token, then 429. */
export async function authorizeCompanyRead(c: Context<AppEnv>, empresa: string): Promise<CompanyReader> {
  const token = presentedToken(c);
  if (!token) throw new ApiError(400, MESSAGES.missing(["token"]));
  const company = await readCompanyCached(c.env.CONFIG, empresa);
  if (!company || company.sucursales.length === 0) throw await failedProbe(c, new ApiError(404, MESSAGES.notFoundCompany));
  const id = await matchingRecordId(company.tokens, token);
  if (!id) throw await failedProbe(c, new ApiError(401, MESSAGES.badToken));
  await enforceReadLimit(c.env, companyBudget(empresa, id));
  return { company, tokenId: `${COMPANY_TOKEN_PREFIX}${id}` };
}
