/**
 * The administration API (docs/operations.md#administration): branches, read tokens, ingest keys,
 * alert rules, and companies with their company tokens (docs/empresa.md), behind
 * `Authorization: Bearer <ADMIN_TOKEN>`. Provisioning and deprovisioning keep the company's object
 * and its KV record told of the branch list.
 */
import { requireAdmin } from "../auth/admin";
import { randomId, randomSecret, sha256Hex } from "../auth/crypto";
import { locationOf } from "../branch/location";
import { branchStubFor } from "../branch/stub";
import { companyStubFor } from "../company/stub";
import {
  type BranchConfig,
  type CompanyConfig,
  readCompany,
  writeCompany,
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
import {
  BranchSettingsInput,
  BranchView,
  IngestKeyCreated,
  IngestKeyInput,
  TokenCreated,
  TokenInput,
} from "../schemas/admin";
import { AlertHistory, AlertRulesInput, AlertRulesView } from "../schemas/alerts";
import { BranchParams, EmpresaParams } from "../schemas/common";
import { type CompanyBranch, CompanyView } from "../schemas/company";
import { ADMIN_SECURITY, NO_CONTENT, createRoute, createRouter, errorResponses, jsonBody, jsonResponse, ownBody, z } from "./router";

export const admin = createRouter();

admin.use("*", requireAdmin);

/** An optional JSON body: an empty body reads as `{}`; any content type is read as JSON. */
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

const companyBranch = (config: BranchConfig): CompanyBranch => ({ sucursal: config.sucursal, nombre: config.nombre, zona_horaria: config.zona_horaria });

/** The company's KV record with this branch list (the company object's answer, its source). */
async function recordBranchList(env: Env, empresa: string, sucursales: CompanyBranch[]): Promise<void> {
  const company: CompanyConfig = (await readCompany(env.CONFIG, empresa)) ?? { empresa, sucursales: [], tokens: [] };
  await writeCompany(env.CONFIG, { ...company, sucursales });
}

/** A company with at least one provisioned branch, else the company 404. */
async function existingCompany(env: Env, empresa: string): Promise<CompanyConfig> {
  const company = await readCompany(env.CONFIG, empresa);
  if (!company || company.sucursales.length === 0) throw new ApiError(404, MESSAGES.notFoundCompany);
  return company;
}

const BRANCH = "/empresas/{empresa}/sucursales/{sucursal}";
const TAGS = ["administración"];
const TokenParams = BranchParams.extend({ id: z.string().openapi({ description: "Id del token (no el token)", example: "3f9a1c2e7b4d6a80" }) });
const KeyParams = EmpresaParams.extend({ id: z.string().openapi({ description: "Id de la clave (no la clave)", example: "a1b2c3d4e5f60718" }) });

const putBranch = createRoute({
  method: "put",
  path: BRANCH,
  tags: TAGS,
  summary: "Crea o actualiza una sucursal",
  description: "Los campos omitidos conservan su valor (al crear: el nombre es la sucursal, `America/Caracas`, 10 minutos).",
  security: ADMIN_SECURITY,
  request: { params: BranchParams, ...jsonBody(BranchSettingsInput, { required: false }) },
  responses: { 200: jsonResponse("Actualizada", BranchView), 201: jsonResponse("Creada", BranchView), ...errorResponses(400, 401) },
});

admin.openapi(ownBody(admin, putBranch), async (c) => {
  const { empresa, sucursal } = c.req.valid("param");
  const input = await optionalJson(c.req.raw, BranchSettingsInput);
  const now = new Date().toISOString();
  const existing = await readBranch(c.env.CONFIG, empresa, sucursal);
  const config: BranchConfig = { ...(existing ?? newBranchConfig(empresa, sucursal, now)), ...input, actualizado_en: now };
  await writeBranch(c.env.CONFIG, config);
  // The company first: the branch's first report must find itself in the company's list.
  await recordBranchList(c.env, empresa, await companyStubFor(c.env, empresa).setBranch(empresa, companyBranch(config)));
  await branchStubFor(c.env, config).configure(settingsOf(config));
  await invalidateSnapshots(empresa, sucursal);
  return c.json(view(config), existing ? 200 : 201);
});

const getBranch = createRoute({
  method: "get",
  path: BRANCH,
  tags: TAGS,
  summary: "Configuración de una sucursal y sus tokens (sin secretos)",
  security: ADMIN_SECURITY,
  request: { params: BranchParams },
  responses: { 200: jsonResponse("La sucursal: ids, etiquetas y fechas de sus tokens, nunca un token", BranchView), ...errorResponses(400, 401, 404) },
});

admin.openapi(getBranch, async (c) => {
  const { empresa, sucursal } = c.req.valid("param");
  return c.json(view(await existingBranch(c.env, empresa, sucursal)), 200);
});

const deleteBranchRoute = createRoute({
  method: "delete",
  path: BRANCH,
  tags: TAGS,
  summary: "Da de baja la sucursal: sus tokens dejan de valer y su estado en vivo se borra",
  security: ADMIN_SECURITY,
  request: { params: BranchParams },
  responses: { ...NO_CONTENT, ...errorResponses(400, 401, 404) },
});

admin.openapi(deleteBranchRoute, async (c) => {
  const { empresa, sucursal } = c.req.valid("param");
  const config = await existingBranch(c.env, empresa, sucursal);
  await deleteBranch(c.env.CONFIG, empresa, sucursal);
  await recordBranchList(c.env, empresa, await companyStubFor(c.env, empresa).removeBranch(sucursal));
  await branchStubFor(c.env, config).erase();
  return c.body(null, 204);
});

const postToken = createRoute({
  method: "post",
  path: `${BRANCH}/tokens`,
  tags: TAGS,
  summary: "Emite un token de lectura, o importa uno existente",
  description:
    "Sin `token`, genera uno de 192 bits aleatorios. Con `token` (16 caracteres o más) importa uno ya entregado, para que " +
    "las URL que los clientes ya tienen sigan funcionando. Varios tokens pueden estar activos a la vez (rotación).",
  security: ADMIN_SECURITY,
  request: { params: BranchParams, ...jsonBody(TokenInput, { required: false }) },
  responses: { 201: jsonResponse("El token, mostrado solo esta vez", TokenCreated), ...errorResponses(400, 401, 404, 409) },
});

admin.openapi(ownBody(admin, postToken), async (c) => {
  const { empresa, sucursal } = c.req.valid("param");
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

const deleteToken = createRoute({
  method: "delete",
  path: `${BRANCH}/tokens/{id}`,
  tags: TAGS,
  summary: "Revoca un token (deja de valer en todas partes en 2 minutos como mucho)",
  security: ADMIN_SECURITY,
  request: { params: TokenParams },
  responses: { ...NO_CONTENT, ...errorResponses(400, 401, 404) },
});

admin.openapi(deleteToken, async (c) => {
  const { empresa, sucursal, id } = c.req.valid("param");
  const config = await existingBranch(c.env, empresa, sucursal);
  const remaining = config.tokens.filter((record) => record.id !== id);
  if (remaining.length === config.tokens.length) throw new ApiError(404, MESSAGES.tokenNotFound);
  await writeBranch(c.env.CONFIG, { ...config, tokens: remaining });
  return c.body(null, 204);
});

const postIngestKey = createRoute({
  method: "post",
  path: "/empresas/{empresa}/claves-ingesta",
  tags: TAGS,
  summary: "Crea una clave de ingesta de la empresa",
  description: "La clave (`hk_<id>_<secreto>`) autentica al helpdesk en la ingesta, para todas las sucursales de la empresa.",
  security: ADMIN_SECURITY,
  request: { params: EmpresaParams, ...jsonBody(IngestKeyInput, { required: false }) },
  responses: { 201: jsonResponse("La clave, mostrada solo esta vez", IngestKeyCreated), ...errorResponses(400, 401) },
});

admin.openapi(ownBody(admin, postIngestKey), async (c) => {
  const { empresa } = c.req.valid("param");
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

const deleteIngestKeyRoute = createRoute({
  method: "delete",
  path: "/empresas/{empresa}/claves-ingesta/{id}",
  tags: TAGS,
  summary: "Revoca una clave de ingesta",
  security: ADMIN_SECURITY,
  request: { params: KeyParams },
  responses: { ...NO_CONTENT, ...errorResponses(400, 401, 404) },
});

admin.openapi(deleteIngestKeyRoute, async (c) => {
  const { empresa, id } = c.req.valid("param");
  const record = await readIngestKey(c.env.CONFIG, id);
  if (!record || record.empresa !== empresa) throw new ApiError(404, MESSAGES.ingestKeyNotFound);
  await deleteIngestKey(c.env.CONFIG, id);
  return c.body(null, 204);
});

// Alert rules live in the branch's Durable Object, where they are evaluated (docs/operations.md#alerts).

const putAlerts = createRoute({
  method: "put",
  path: `${BRANCH}/alertas`,
  tags: TAGS,
  summary: "Reemplaza las reglas de alerta de la sucursal",
  description: "Si alguna regla es inválida, responde 400 y se conservan las anteriores.",
  security: ADMIN_SECURITY,
  request: { params: BranchParams, ...jsonBody(AlertRulesInput) },
  responses: {
    200: jsonResponse("Reglas guardadas, con el secreto de firma de cada webhook nuevo", AlertRulesView),
    ...errorResponses(400, 401, 404),
  },
});

admin.openapi(ownBody(admin, putAlerts), async (c) => {
  const { empresa, sucursal } = c.req.valid("param");
  const input = await optionalJson(c.req.raw, AlertRulesInput);
  const config = await existingBranch(c.env, empresa, sucursal);
  return c.json(await branchStubFor(c.env, config).setAlertRules(settingsOf(config), input.reglas), 200);
});

const getAlerts = createRoute({
  method: "get",
  path: `${BRANCH}/alertas`,
  tags: TAGS,
  summary: "Las reglas de alerta de la sucursal",
  security: ADMIN_SECURITY,
  request: { params: BranchParams },
  responses: { 200: jsonResponse("Las reglas (sin secretos)", AlertRulesView), ...errorResponses(400, 401, 404) },
});

admin.openapi(getAlerts, async (c) => {
  const { empresa, sucursal } = c.req.valid("param");
  const config = await existingBranch(c.env, empresa, sucursal);
  return c.json(await branchStubFor(c.env, config).alertRules(), 200);
});

const getAlertHistory = createRoute({
  method: "get",
  path: `${BRANCH}/alertas/historial`,
  tags: TAGS,
  summary: "Las últimas 100 entregas de alertas y su resultado",
  security: ADMIN_SECURITY,
  request: { params: BranchParams },
  responses: { 200: jsonResponse("Entregas, la más reciente primero", AlertHistory), ...errorResponses(400, 401, 404) },
});

admin.openapi(getAlertHistory, async (c) => {
  const { empresa, sucursal } = c.req.valid("param");
  const config = await existingBranch(c.env, empresa, sucursal);
  return c.json(await branchStubFor(c.env, config).alertHistory(), 200);
});

// Companies (docs/empresa.md#administración): their branches and their company tokens.

const COMPANY = "/empresas/{empresa}";

const getCompany = createRoute({
  method: "get",
  path: COMPANY,
  tags: TAGS,
  summary: "Una empresa: sus sucursales y sus tokens de empresa (sin secretos)",
  description: "Las sucursales van ordenadas por `sucursal`; `tokens` son solo los tokens de empresa. 404 si la empresa no tiene sucursales.",
  security: ADMIN_SECURITY,
  request: { params: EmpresaParams },
  responses: { 200: jsonResponse("La empresa", CompanyView), ...errorResponses(400, 401, 404) },
});

admin.openapi(getCompany, async (c) => {
  const { empresa } = c.req.valid("param");
  const company = await existingCompany(c.env, empresa);
  const tokens = company.tokens.map(({ id, etiqueta, creado_en }) => ({ id, etiqueta, creado_en }));
  return c.json({ empresa, sucursales: company.sucursales, tokens } satisfies CompanyView, 200);
});

const postCompanyToken = createRoute({
  method: "post",
  path: `${COMPANY}/tokens`,
  tags: TAGS,
  summary: "Emite un token de empresa, o importa uno existente",
  description:
    "Un token de empresa abre la vista de empresa y cada consulta de lectura de cada una de sus sucursales. Sin `token`, " +
    "genera uno de 192 bits aleatorios; con `token` (16 caracteres o más) importa uno ya entregado. 404 si la empresa no tiene sucursales.",
  security: ADMIN_SECURITY,
  request: { params: EmpresaParams, ...jsonBody(TokenInput, { required: false }) },
  responses: { 201: jsonResponse("El token, mostrado solo esta vez", TokenCreated), ...errorResponses(400, 401, 404, 409) },
});

admin.openapi(ownBody(admin, postCompanyToken), async (c) => {
  const { empresa } = c.req.valid("param");
  const input = await optionalJson(c.req.raw, TokenInput);
  const company = await existingCompany(c.env, empresa);
  const token = input.token ?? randomSecret(24);
  const hash = await sha256Hex(token);
  if (company.tokens.some((record) => record.hash === hash)) throw new ApiError(409, MESSAGES.companyTokenAlreadyActive);
  const id = randomId();
  company.tokens.push({ id, hash, etiqueta: input.etiqueta ?? null, creado_en: new Date().toISOString() });
  await writeCompany(c.env.CONFIG, company);
  return c.json({ id, token } satisfies TokenCreated, 201);
});

const deleteCompanyToken = createRoute({
  method: "delete",
  path: `${COMPANY}/tokens/{id}`,
  tags: TAGS,
  summary: "Revoca un token de empresa (deja de valer en todas partes en 2 minutos como mucho)",
  security: ADMIN_SECURITY,
  request: { params: KeyParams.extend({ id: z.string().openapi({ description: "Id del token (no el token)", example: "5c1e9a7b3d2f4e60" }) }) },
  responses: { ...NO_CONTENT, ...errorResponses(400, 401, 404) },
});

admin.openapi(deleteCompanyToken, async (c) => {
  const { empresa, id } = c.req.valid("param");
  const company = await readCompany(c.env.CONFIG, empresa);
  const remaining = company?.tokens.filter((record) => record.id !== id);
  if (!company || !remaining || remaining.length === company.tokens.length) throw new ApiError(404, MESSAGES.tokenNotFound);
  await writeCompany(c.env.CONFIG, { ...company, tokens: remaining });
  return c.body(null, 204);
});
