/**
 * All Workers KV access: branch configuration with its read-token hashes, companies with their
 * company-token hashes and branch list, and ingest keys.
 * The key schema is documented in kv-schema.md beside this file.
 */
import type { LocationHint } from "../branch/location";
import type { BranchSettings } from "../branch/model";
import { DEFAULT_TARGET_MINUTES, DEFAULT_TIME_ZONE } from "../schemas/common";

export type TokenRecord = { id: string; hash: string; etiqueta: string | null; creado_en: string };

export type BranchConfig = BranchSettings & {
  /** Where its Durable Object is created; absent: derived from `zona_horaria` (branch/location.ts). */
  ubicacion?: LocationHint;
  creado_en: string;
  actualizado_en: string;
  tokens: TokenRecord[];
};

/**
 * A company: its company tokens and the list of its provisioned branches (a copy of what its
 * Durable Object holds, written by the admin API after each change, for the read path's 404).
 */
export type CompanyConfig = {
  empresa: string;
  sucursales: { sucursal: string; nombre: string; zona_horaria: string }[];
  tokens: TokenRecord[];
};

export type IngestKey = { id: string; empresa: string; hash: string; etiqueta: string | null; creado_en: string };

/** Hot-path reads may be served from the edge cache this long; see the revocation note in kv-schema.md. */
const HOT_CACHE_TTL_SECONDS = 55;

/**
 * And from this isolate's memory this long: a KV read, even from the edge cache, is I/O that costs
 * a read more than everything else it does. Edge cache + isolate copy + KV propagation stay
 * within the documented 2 minutes for a revocation; a write through this isolate drops its copy.
 */
const ISOLATE_TTL_MS = 5_000;
const ISOLATE_ENTRIES = 1_000;
const isolateCopies = new Map<string, { config: unknown; until: number }>();

const branchKey = (empresa: string, sucursal: string) => `sucursal:${empresa}/${sucursal}`;
const ingestKeyKey = (id: string) => `clave-ingesta:${id}`;
const companyKey = (empresa: string) => `empresa:${empresa}`;

export function settingsOf(config: BranchConfig): BranchSettings {
  const { empresa, sucursal, nombre, zona_horaria, objetivo_respuesta_min } = config;
  return { empresa, sucursal, nombre, zona_horaria, objetivo_respuesta_min };
}

export function newBranchConfig(empresa: string, sucursal: string, now: string): BranchConfig {
  return {
    empresa,
    sucursal,
    nombre: sucursal,
    zona_horaria: DEFAULT_TIME_ZONE,
    objetivo_respuesta_min: DEFAULT_TARGET_MINUTES,
    creado_en: now,
    actualizado_en: now,
    tokens: [],
  };
}

/** A KV record through the isolate's copy and the edge cache. */
async function readCached<T>(kv: KVNamespace, key: string): Promise<T | null> {
  const held = isolateCopies.get(key);
  if (held && Date.now() < held.until) return held.config as T | null;
  const config = await kv.get<T>(key, { type: "json", cacheTtl: HOT_CACHE_TTL_SECONDS });
  isolateCopies.delete(key);
  if (isolateCopies.size >= ISOLATE_ENTRIES) isolateCopies.delete(isolateCopies.keys().next().value!);
  isolateCopies.set(key, { config, until: Date.now() + ISOLATE_TTL_MS });
  return config;
}

/** For request handling: may be up to `HOT_CACHE_TTL_SECONDS` + `ISOLATE_TTL_MS` stale. */
export function readBranchCached(kv: KVNamespace, empresa: string, sucursal: string): Promise<BranchConfig | null> {
  return readCached<BranchConfig>(kv, branchKey(empresa, sucursal));
}

/** For request handling, as `readBranchCached`. */
export function readCompanyCached(kv: KVNamespace, empresa: string): Promise<CompanyConfig | null> {
  return readCached<CompanyConfig>(kv, companyKey(empresa));
}

/** For administration: the latest written value. */
export function readCompany(kv: KVNamespace, empresa: string) {
  return kv.get<CompanyConfig>(companyKey(empresa), { type: "json" });
}

export function writeCompany(kv: KVNamespace, config: CompanyConfig) {
  isolateCopies.delete(companyKey(config.empresa));
  return kv.put(companyKey(config.empresa), JSON.stringify(config));
}

/** For administration: the latest written value. */
export function readBranch(kv: KVNamespace, empresa: string, sucursal: string) {
  return kv.get<BranchConfig>(branchKey(empresa, sucursal), { type: "json" });
}

export function writeBranch(kv: KVNamespace, config: BranchConfig) {
  isolateCopies.delete(branchKey(config.empresa, config.sucursal));
  return kv.put(branchKey(config.empresa, config.sucursal), JSON.stringify(config));
}

export function deleteBranch(kv: KVNamespace, empresa: string, sucursal: string) {
  isolateCopies.delete(branchKey(empresa, sucursal));
  return kv.delete(branchKey(empresa, sucursal));
}

/** For the ingest key check: may be up to `HOT_CACHE_TTL_SECONDS` + `ISOLATE_TTL_MS` stale, like a branch. */
export function readIngestKeyCached(kv: KVNamespace, id: string): Promise<IngestKey | null> {
  return readCached<IngestKey>(kv, ingestKeyKey(id));
}

export function readIngestKey(kv: KVNamespace, id: string) {
  return kv.get<IngestKey>(ingestKeyKey(id), { type: "json" });
}

export function writeIngestKey(kv: KVNamespace, key: IngestKey) {
  isolateCopies.delete(ingestKeyKey(key.id));
  return kv.put(ingestKeyKey(key.id), JSON.stringify(key));
}

export function deleteIngestKey(kv: KVNamespace, id: string) {
  isolateCopies.delete(ingestKeyKey(id));
  return kv.delete(ingestKeyKey(id));
}
