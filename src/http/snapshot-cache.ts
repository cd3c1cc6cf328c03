/**
 * The read path's cache (docs/guia-api.md#límites, freshness). A branch's serialized snapshot,
 * per set of options, is served for at most FRESHNESS_MS after the moment its Durable Object was
 * asked: first from this isolate's memory, then from the location's Cache API. So the object is
 * asked about once a second per location however many monitors poll, and a served snapshot is
 * never more than a second older than an acknowledged event. Keys name the branch and options,
 * never a token: every request is authorized before it gets here.
 */
import { REPORT_INTERVAL_MS } from "../branch/company-report";
import type { SerializedSnapshot } from "../branch/snapshot-memo";
import type { SnapshotOptions } from "../branch/snapshot";

export const FRESHNESS_MS = 1000;

/** The instant (ms) an entry stops being served, stored with it: the Cache API counts whole seconds. */
const EXPIRES_HEADER = "X-Snapshot-Expires";
const MEMO_ENTRIES = 500;

/** `bytes`: the body (JSON, or CSV) encoded once, not on every response (a detailed body can be megabytes). */
export type CachedSnapshot = { etag: string; bytes: Uint8Array<ArrayBuffer>; expiresAt: number };

const encoder = new TextEncoder();

/** This isolate's copies, oldest first (a Map keeps insertion order). */
const memo = new Map<string, CachedSnapshot>();

const branchPrefix = (empresa: string, sucursal: string) => `https://snapshot-cache.internal/${empresa}/${sucursal}?`;

export function snapshotCacheKey(empresa: string, sucursal: string, options: SnapshotOptions, format: "json" | "csv" | "metrics" = "json"): string {
  const query = new URLSearchParams({ detalle: options.detalle ? "1" : "0", formato: format });
  if (options.departamento !== undefined) query.set("departamento", options.departamento);
  return `${branchPrefix(empresa, sucursal)}${query}`;
}

/** The company body's key (docs/empresa.md): its own host, so no branch's key can collide with it. */
export function companyCacheKey(empresa: string, departamento: string | undefined, format: "json" | "csv" | "metrics"): string {
  const query = new URLSearchParams({ formato: format });
  if (departamento !== undefined) query.set("departamento", departamento);
  return `https://company-cache.internal/${empresa}?${query}`;
}

/**
 * After a change acknowledged here (events, reconciliation, settings), drops the branch's copies
 * this isolate knows of, so a read through this location sees the change at once; copies kept by
 * other isolates or locations still expire within FRESHNESS_MS.
 */
export async function invalidateSnapshots(empresa: string, sucursal: string): Promise<void> {
  const prefix = branchPrefix(empresa, sucursal);
  // Only copies this isolate served (expired ones stay listed until evicted): an ingest-only
  // isolate pays no Cache API round trip per batch.
  const keys = [...memo.keys()].filter((key) => key.startsWith(prefix));
  for (const key of keys) memo.delete(key);
  await Promise.all(keys.map((key) => caches.default.delete(new Request(key))));
}

/**
 * The company view's copies live less: a branch's figures reach the company's object up to
 * REPORT_INTERVAL_MS after it acknowledged them (plus up to 100 ms for its alarm to run and the
 * report's way under load), and the change must show within FRESHNESS_MS.
 */
export const COMPANY_FRESHNESS_MS = FRESHNESS_MS - REPORT_INTERVAL_MS - 100;

export async function cachedSnapshot(
  key: string,
  load: () => Promise<SerializedSnapshot>,
  waitUntil: (promise: Promise<unknown>) => void,
  freshnessMs = FRESHNESS_MS,
): Promise<CachedSnapshot> {
  const held = memo.get(key);
  if (held && Date.now() < held.expiresAt) return held;

  const cache = caches.default;
  const request = new Request(key);
  const hit = await cache.match(request);
  const hitExpires = Number(hit?.headers.get(EXPIRES_HEADER));
  if (hit && Date.now() < hitExpires) {
    return remember(key, { bytes: new Uint8Array(await hit.arrayBuffer()), etag: hit.headers.get("ETag") ?? "", expiresAt: hitExpires });
  }

  // Freshness counts from before the question: the answer reflects every event acknowledged by then.
  const askedAt = Date.now();
  const fresh = await load();
  const entry = remember(key, { bytes: encoder.encode(fresh.json) as Uint8Array<ArrayBuffer>, etag: fresh.etag, expiresAt: askedAt + freshnessMs });
  const stored = new Response(entry.bytes, {
    headers: {
      "Content-Type": "application/json; charset=UTF-8",
      ETag: entry.etag,
      "Cache-Control": `public, max-age=${Math.ceil(FRESHNESS_MS / 1000)}`,
      [EXPIRES_HEADER]: String(entry.expiresAt),
    },
  });
  waitUntil(cache.put(request, stored));
  return entry;
}

function remember(key: string, entry: CachedSnapshot): CachedSnapshot {
  memo.delete(key);
  if (memo.size >= MEMO_ENTRIES) memo.delete(memo.keys().next().value!);
  memo.set(key, entry);
  return entry;
}

/** `If-None-Match` against the current ETag, with the weak comparison RFC 9110 asks for. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === "*") return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, "");
  return ifNoneMatch.split(",").some((tag) => opaque(tag) === opaque(etag));
}
