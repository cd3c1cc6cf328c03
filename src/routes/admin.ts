/** The administration API (CONTRACT §4): branches, read tokens, ingest keys and alert rules (§5). */
import { Hono } from "hono";
import type { z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { requireAdmin } from "../auth/admin";
import { randomId, randomSecret, sha256Hex } from "../auth/crypto";
import { AlertRulesInput } from "../schemas/alerts";
import { locationOf } from "../branch/location";
import { branchStubFor } from "../branch/stub";
import {
  type BranchConfig,
  deleteBranch,
  deleteIngestKey,
  newBranchConfig,
  readBranch,
  readIngestKey,
  settingsOf,
  writeBranch,
  writeIngestKey,
} from "../config/store";
import { ApiError, MESSAGES } from "../errors";
import { invalidateSnapshots } from "../http/snapshot-cache";
import { BranchSettingsInput, type BranchView, type IngestKeyCreated, IngestKeyInput, type TokenCreated, TokenInput } from "../schemas/admin";
import { IDENTIFIER } from "../schemas/common";

export const admin = new Hono<AppEnv>();

admin.use("*", requireAdmin);

function identifiers(params: Record<string, string>): void {
  for (const name of ["empresa", "sucursal"]) {
    if (name in params && !IDENTIFIER.test(params[name])) throw new ApiError(400, MESSAGES.invalidParam(name));
  }
}

/** An optional JSON body: an empty body reads as `{}`. */
async function optionalJson<T extends z.ZodType>(request: Request, schema: T): Promise<z.infer<T>> {
  const text = await request.text();
  let value: unknown = {};
  if (text.trim()) {
    try {
      value = JSON.parse(text);
    } catch {
      throw new ApiError(400, MESSAGES.invalidJson);
    }
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const errores = result.error.issues.map((issue) => ({ campo: issue.path.join("."), mensaje: issue.message }));
    throw new ApiError(400, MESSAGES.invalidBody, { errores });
  }
  return result.data;
}

/** The configuration as shown to an administrator: token ids and labels, never a token or hash. */
function view(config: BranchConfig): BranchView {
  const { tokens, ...settings } = config;
  return { ...settings, ubicacion: locationOf(config) ?? null, tokens: tokens.map(({ id, etiqueta, creado_en }) => ({ id, etiqueta, creado_en })) };
}

async function existingBranch(env: Env, empresa: string, sucursal: string): Promise<BranchConfig> {
  const config = await readBranch(env.CONFIG, empresa, sucursal);
  if (!config) throw new ApiError(404, MESSAGES.notFoundBranch);
  return config;
}

const BRANCH = "/empresas/:empresa/sucursales/:sucursal";

admin.put(BRANCH, async (c) => {
  const { empresa, sucursal } = c.req.param();
  identifiers({ empresa, sucursal });
  const input = await optionalJson(c.req.raw, BranchSettingsInput);
  const now = new Date().toISOString();
  const existing = await readBranch(c.env.CONFIG, empresa, sucursal);
  const config: BranchConfig = { ...(existing ?? newBranchConfig(empresa, sucursal, now)), ...input, actualizado_en: now };
  await writeBranch(c.env.CONFIG, config);
  await branchStubFor(c.env, config).configure(settingsOf(config));
  await invalidateSnapshots(empresa, sucursal);
  return c.json(view(config), existing ? 200 : 201);
});

admin.get(BRANCH, async (c) => {
  const { empresa, sucursal } = c.req.param();
  identifiers({ empresa, sucursal });
  return c.json(view(await existingBranch(c.env, empresa, sucursal)));
});

admin.delete(BRANCH, async (c) => {
  const { empresa, sucursal } = c.req.param();
  identifiers({ empresa, sucursal });
  const config = await existingBranch(c.env, empresa, sucursal);
  await deleteBranch(c.env.CONFIG, empresa, sucursal);
  await branchStubFor(c.env, config).erase();
  return c.body(null, 204);
});

admin.post(`${BRANCH}/tokens`, async (c) => {
  const { empresa, sucursal } = c.req.param();
  identifiers({ empresa, sucursal });
  const input = await optionalJson(c.req.raw, TokenInput);
  const config = await existingBranch(c.env, empresa, sucursal);
  const token = input.token ?? randomSecret(24);
  const hash = await sha256Hex(token);
  if (config.tokens.some((record) => record.hash === hash)) {
    throw new ApiError(409, MESSAGES.tokenAlreadyActive);
  }
  const id = randomId();
  config.tokens.push({ id, hash, etiqueta: input.etiqueta ?? null, creado_en: new Date().toISOString() });
  await writeBranch(c.env.CONFIG, config);
  return c.json({ id, token } satisfies TokenCreated, 201);
});

admin.delete(`${BRANCH}/tokens/:id`, async (c) => {
  const { empresa, sucursal, id } = c.req.param();
  identifiers({ empresa, sucursal });
  const config = await existingBranch(c.env, empresa, sucursal);
  const remaining = config.tokens.filter((record) => record.id !== id);
  if (remaining.length === config.tokens.length) throw new ApiError(404, MESSAGES.tokenNotFound);
  await writeBranch(c.env.CONFIG, { ...config, tokens: remaining });
  return c.body(null, 204);
});

admin.post("/empresas/:empresa/claves-ingesta", async (c) => {
  const { empresa } = c.req.param();
  identifiers({ empresa });
  const input = await optionalJson(c.req.raw, IngestKeyInput);
  const id = randomId();
  const clave = `hk_${id}_${randomSecret(32)}`;
  await writeIngestKey(c.env.CONFIG, {
    id,
    empresa,
    hash: await sha256Hex(clave),
    etiqueta: input.etiqueta ?? null,
    creado_en: new Date().toISOString(),
  });
  return c.json({ id, clave } satisfies IngestKeyCreated, 201);
});

admin.delete("/empresas/:empresa/claves-ingesta/:id", async (c) => {
  const { empresa, id } = c.req.param();
  identifiers({ empresa });
  const record = await readIngestKey(c.env.CONFIG, id);
  if (!record || record.empresa !== empresa) throw new ApiError(404, MESSAGES.ingestKeyNotFound);
  await deleteIngestKey(c.env.CONFIG, id);
  return c.body(null, 204);
});

// Alert rules live in the branch's Durable Object, where they are evaluated (CONTRACT §5).

admin.put(`${BRANCH}/alertas`, async (c) => {
  const { empresa, sucursal } = c.req.param();
  identifiers({ empresa, sucursal });
  const input = await optionalJson(c.req.raw, AlertRulesInput);
  const config = await existingBranch(c.env, empresa, sucursal);
  return c.json(await branchStubFor(c.env, config).setAlertRules(settingsOf(config), input.reglas));
});

admin.get(`${BRANCH}/alertas`, async (c) => {
  const { empresa, sucursal } = c.req.param();
  identifiers({ empresa, sucursal });
  const config = await existingBranch(c.env, empresa, sucursal);
  return c.json(await branchStubFor(c.env, config).alertRules());
});

admin.get(`${BRANCH}/alertas/historial`, async (c) => {
  const { empresa, sucursal } = c.req.param();
  identifiers({ empresa, sucursal });
  const config = await existingBranch(c.env, empresa, sucursal);
  return c.json(await branchStubFor(c.env, config).alertHistory());
});
