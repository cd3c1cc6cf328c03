/**
 * All Workers KV access: branch configuration with its read-token hashes, and ingest keys.
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
const isolateCopies = new Map<string, { value: unknown; until: number }>();

/** A hot-path KV read: this isolate's copy while it is fresh, else KV (edge cached), then kept. */
async function readHot<T>(kv: KVNamespace, key: string): Promise<T | null> {
  const held = isolateCopies.get(key);
  if (held && Date.now() < held.until) return held.value as T | null;
  const value = await kv.get<T>(key, { type: "json", cacheTtl: HOT_CACHE_TTL_SECONDS });
  isolateCopies.delete(key);
  if (isolateCopies.size >= ISOLATE_ENTRIES) isolateCopies.delete(isolateCopies.keys().next().value!);
  isolateCopies.set(key, { value, until: Date.now() + ISOLATE_TTL_MS });
  return value;
}

const branchKey = (empresa: string, sucursal: string) => `sucursal:${empresa}/${sucursal}`;
const ingestKeyKey = (id: string) => `clave-ingesta:${id}`;

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

/** For request handling: may be up to `HOT_CACHE_TTL_SECONDS` + `ISOLATE_TTL_MS` stale. */
export function readBranchCached(kv: KVNamespace, empresa: string, sucursal: string): Promise<BranchConfig | null> {
  return readHot<BranchConfig>(kv, branchKey(empresa, sucursal));
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
  return readHot<IngestKey>(kv, ingestKeyKey(id));
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
