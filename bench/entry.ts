/**
 * The Worker as `npm run bench` runs it (never deployed): the product unchanged, plus
 * - `/__bare/…`: the bare handlers it is measured against, in the same Worker, runtime, process
 *   and loopback path: bytes returned from memory, and request bodies read and dropped;
 * - `/__probe/costs`: timings taken inside a branch's Durable Object (apply per event, snapshot
 *   builds) at a given number of open chats, with the floors they are compared with;
 * - `/__bare/floor` and `DurableFloor`: ingestion's durable floor, a bare SQLite Durable Object that
 *   parses the same bodies and, in one transaction, records each event id and rewrites its chat row;
 * - `/__probe/steps`: the cost of each step of one ingest request, taken apart, and of the read
 *   path's per-token limiter call.
 * - `/__probe/company-miss`: the company read's cache-miss cost, one `serializedRollup` call to the
 *   company's object after a report invalidated its memo (so each call builds the roll-up anew).
 */
import { DurableObject } from "cloudflare:workers";
import type { Context } from "hono";
import app, { Branch as ProductBranch } from "../src/index";
import { ChatIndex } from "../src/branch/chat-index";
import { type BranchEvent, type BranchState, type Chat, type BranchSettings, applyIndexed } from "../src/branch/model";
import { readIngestKeyCached } from "../src/config/store";
import { ingestKeyId } from "../src/auth/ingest-key";
import { secretMatches } from "../src/auth/crypto";
import { readJsonBody } from "../src/http/read-json";
import { eventList, parseEvents } from "../src/routes/events";
import { buildSnapshot } from "../src/branch/snapshot";
import type { BranchStore } from "../src/branch/store";
import { ChatEvent } from "../src/schemas/events";
import { referenceSnapshot } from "../test/reference-snapshot";

const ESTADOS = ["nuevo", "pendiente", "asignado", "icarobot_ia"] as const;
const DEPARTMENTS = ["Ventas", "Soporte", "Cobranzas", "Postventa", null];
const AGENTS = Array.from({ length: 40 }, (_, i) => `agente${i + 1}`);
const MINUTE = 60_000;

/** A small deterministic generator, so every run loads the same chats. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0) / 2 ** 32);
}

/** What the probe reaches inside the object: its fields are private to the product's code. */
type Internals = { state: BranchState; index: ChatIndex; store: BranchStore };

export class Branch extends ProductBranch {
  private get internals(): Internals {
    return this as unknown as Internals;
  }

  /** Opens `n` chats through the real ingest path: 10 % with the bot, a third of the rest answered. */
  async benchLoad(settings: BranchSettings, n: number): Promise<{ open: number }> {
    const rand = random(n);
    const now = Date.now();
    for (let first = 1; first <= n; first += 1000) {
      const events: BranchEvent[] = [];
      for (let id = first; id < Math.min(first + 1000, n + 1); id++) {
        const estado = rand() < 0.1 ? "icarobot_ia" : ESTADOS[Math.floor(rand() * 3)];
        const at = now - Math.floor(rand() * 150 * MINUTE);
        events.push({
          id: `load-${id}`,
          tipo: "chat.actualizado",
          at,
          chat: {
            id_resumen: id,
            id_cliente: `CLI${id}`,
            departamento: DEPARTMENTS[Math.floor(rand() * DEPARTMENTS.length)],
            numero_perfil: "+15551234567",
            numero_cliente: `+58414${String(id).padStart(7, "0")}`,
            nombre_cliente: `Cliente ${id}`,
            estado,
            agente: estado === "asignado" ? AGENTS[Math.floor(rand() * AGENTS.length)] : null,
          },
        });
        if (estado !== "icarobot_ia" && rand() < 0.33) {
          events.push({ id: `load-${id}-r`, tipo: "chat.mensaje_agente", at: at + MINUTE, chat: { id_resumen: id } });
        }
      }
      await this.applyEvents(settings, events);
    }
    return { open: this.internals.index.all.open };
  }

  /** Wakes the object (after a restart it loads its state from storage) and counts its open chats. */
  async benchOpen(): Promise<{ open: number }> {
    return { open: this.internals.index.all.open };
  }

  /** The RPC's own cost: the same argument sent in, nothing done with it. */
  async benchEcho(settings: BranchSettings, events: BranchEvent[]): Promise<{ aceptados: number; duplicados: number; obsoletos: number }> {
    return { aceptados: settings ? events.length : 0, duplicados: 0, obsoletos: 0 };
  }

  /**
   * One batch's steps inside the object, taken apart (µs per event): the per-chat ordering, the id
   * claim, the apply (model) and the chat index's upkeep, the writes; and the whole method as it runs.
   * The events are applied to this probe object's memory, ahead of its storage, as in benchCosts.
   */
  async benchSteps(settings: BranchSettings, events: BranchEvent[], rounds: number) {
    const { state, index, store } = this.internals;
    const clock = () => performance.now();
    const perEvent = (ms: number) => (ms * 1000) / (rounds * events.length);
    const fresh = (tag: string) => events.map((event) => ({ ...event, id: `${tag}-${crypto.randomUUID()}-${event.id}`, at: Date.now() }));
    let ordering = 0, lookup = 0, claim = 0, applyAndIndex = 0, indexUpkeep = 0, writes = 0, whole = 0;
    for (let r = 0; r < rounds; r++) {
      const batch = fresh("s");
      let start = clock();
      const ordered = batch.map((event, position) => ({ event, position })).sort((a, b) => a.event.at - b.event.at || a.position - b.position);
      ordering += clock() - start;
      start = clock();
      this.ctx.storage.transactionSync(() => {
        const ledger = store.batchLedger(ordered.map((o) => o.event.id), Date.now());
        lookup += clock() - start;
        for (const { event } of ordered) ledger.claim(event.id);
        ledger.settle();
      });
      claim += clock() - start;
      start = clock();
      const touched = new Set<number>();
      for (const { event } of ordered) {
        applyIndexed(state, index, event, settings);
        touched.add(event.chat.id_resumen);
      }
      applyAndIndex += clock() - start;
      const changed = [...touched].map((id) => state.chats.get(id)!);
      start = clock();
      for (const { event } of ordered) {
        index.remove(event.chat.id_resumen);
        const chat = state.chats.get(event.chat.id_resumen);
        if (chat) index.add(chat);
      }
      indexUpkeep += clock() - start;
      start = clock();
      this.ctx.storage.transactionSync(() => writeAll(store, changed, state));
      writes += clock() - start;
      start = clock();
      await this.applyEvents(settings, fresh("w"));
      whole += clock() - start;
    }
    // What recording the ids costs by itself, on scratch tables: one statement per id as the floor
    // does, into a table like the floor's and the product's, and into one that also has the time
    // index the product kept for pruning before it pruned in insertion order.
    const sql = this.ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS bench_ids_plain (id TEXT PRIMARY KEY, at INTEGER NOT NULL)");
    sql.exec("CREATE TABLE IF NOT EXISTS bench_ids_timed (id TEXT PRIMARY KEY, at INTEGER NOT NULL)");
    sql.exec("CREATE INDEX IF NOT EXISTS bench_ids_timed_at ON bench_ids_timed (at)");
    const insertEach = (table: string) => {
      let spent = 0;
      for (let r = 0; r < rounds; r++) {
        const ids = fresh(table).map((event) => event.id);
        const begin = clock();
        this.ctx.storage.transactionSync(() => {
          for (const id of ids) sql.exec(`INSERT OR IGNORE INTO ${table} (id, at) VALUES (?, ?)`, id, Date.now());
        });
        spent += clock() - begin;
      }
      return perEvent(spent);
    };
    const floorIdInsert = insertEach("bench_ids_plain");
    const timedIdInsert = insertEach("bench_ids_timed");
    return {
      floorIdInsert,
      timedIdInsert,
      ordering: perEvent(ordering),
      idLookup: perEvent(lookup),
      idClaim: perEvent(claim),
      apply: perEvent(applyAndIndex - indexUpkeep),
      indexUpkeep: perEvent(indexUpkeep),
      writes: perEvent(writes),
      wholeObjectMethod: perEvent(whole),
    };
  }

  /** Median-free raw timings (ms) of one probe round; the driver takes medians over rounds. */
  async benchCosts(settings: BranchSettings, options: { events: number; builds: number; detailBuilds: number; scans: number }) {
    const { state, index } = this.internals;
    const n = state.chats.size;
    const rand = random(Date.now());
    const sql = this.ctx.storage.sql;
    const clock = () => performance.now();

    // Apply: real batches of 100 through the object's own method (model, index, SQL, alarm check).
    const TIPOS = ["chat.mensaje_cliente", "chat.mensaje_agente", "chat.actualizado"] as const;
    let sequence = 0;
    const batch = (): BranchEvent[] =>
      Array.from({ length: 100 }, () => {
        const tipo = TIPOS[Math.floor(rand() * 3)];
        const chat: BranchEvent["chat"] = { id_resumen: 1 + Math.floor(rand() * n) };
        if (tipo === "chat.actualizado") chat.estado = ESTADOS[Math.floor(rand() * 3)];
        return { id: `probe-${Date.now()}-${++sequence}-${rand()}`, tipo, at: Date.now(), chat };
      });
    const batches = Array.from({ length: Math.ceil(options.events / 100) }, batch);
    let start = clock();
    for (const events of batches) await this.applyEvents(settings, events);
    const applyMs = (clock() - start) / (batches.length * 100);

    // The in-memory share alone (model + index, no SQL), on fresh events of the same mix (three
    // times as many: each is fast for the clock). This probe object's memory runs ahead of its storage.
    const memoryBatches = Array.from({ length: Math.ceil((3 * options.events) / 100) }, batch);
    start = clock();
    for (const events of memoryBatches) for (const event of events) applyIndexed(state, index, event, settings);
    const memoryMs = (clock() - start) / (memoryBatches.length * 100);

    // Floor of an applied event: remember its id and rewrite one chat-sized row, 100 per transaction.
    sql.exec("CREATE TABLE IF NOT EXISTS bench_floor_ids (id TEXT PRIMARY KEY, at INTEGER)");
    sql.exec("CREATE TABLE IF NOT EXISTS bench_floor_rows (id INTEGER PRIMARY KEY, data TEXT)");
    const row = JSON.stringify([...state.chats.values()][0]);
    start = clock();
    for (const events of batches) {
      this.ctx.storage.transactionSync(() => {
        for (const event of events) {
          sql.exec("INSERT OR IGNORE INTO bench_floor_ids (id, at) VALUES (?, ?)", `f-${event.id}`, event.at);
          sql.exec("INSERT OR REPLACE INTO bench_floor_rows (id, data) VALUES (?, ?)", event.chat.id_resumen, row);
        }
      });
    }
    const sqlFloorMs = (clock() - start) / (batches.length * 100);

    const time = (times: number, work: () => unknown) => {
      const begin = clock();
      let last: unknown;
      for (let i = 0; i < times; i++) last = work();
      return { ms: (clock() - begin) / times, last };
    };
    const now = Date.now();
    // A build here is what a memo miss costs: the body built from the index, and serialized.
    const light = time(options.builds, () => JSON.stringify(buildSnapshot(state, settings, now, { detalle: false }, index)));
    const lightBody = JSON.parse(light.last as string);
    const lightSerialize = time(options.builds, () => JSON.stringify(lightBody));
    const detail = time(options.detailBuilds, () => JSON.stringify(buildSnapshot(state, settings, now, { detalle: true }, index)));
    const detailBody = JSON.parse(detail.last as string);
    const detailSerialize = time(options.detailBuilds, () => JSON.stringify(detailBody));
    const scan = time(options.scans, () => JSON.stringify(referenceSnapshot(state, settings, now, { detalle: false })));
    const rebuildIndex = time(options.scans, () => ChatIndex.of(state));
    return {
      openChats: index.all.open,
      waiting: index.all.waiting.size,
      applyMsPerEvent: applyMs,
      inMemoryMsPerEvent: memoryMs,
      sqlFloorMsPerEvent: sqlFloorMs,
      lightBuildMs: light.ms,
      lightSerializeMs: lightSerialize.ms,
      detailBuildMs: detail.ms,
      detailSerializeMs: detailSerialize.ms,
      detailBytes: (detail.last as string).length,
      fullScanLightBuildMs: scan.ms,
      indexRebuildMs: rebuildIndex.ms,
      sqliteBytes: sql.databaseSize,
    };
  }
}

/** The object's writes after a batch, as its applyEvents makes them. */
function writeAll(store: BranchStore, changed: Chat[], state: BranchState): void {
  store.saveChats(changed);
  store.saveSummary(state);
}

/**
 * Ingestion's durable floor: what any object must do to acknowledge a batch durably. It parses the
 * body and, in one transaction, records each event id (unless already there) and rewrites its chat
 * as a chat-sized row; no validation, ordering, model or index.
 */
export class DurableFloor extends DurableObject<Env> {
  private readonly rows = new Map<number, Record<string, unknown>>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS ids (id TEXT PRIMARY KEY, at INTEGER NOT NULL)");
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS chats (id INTEGER PRIMARY KEY, data TEXT NOT NULL)");
  }

  async ingest(body: string): Promise<{ aceptados: number; duplicados: number; obsoletos: number }> {
    const { eventos } = JSON.parse(body) as { eventos: { id: string; ocurrido_en: string; chat: { id_resumen: number } }[] };
    const sql = this.ctx.storage.sql;
    const now = Date.now();
    let fresh = 0;
    this.ctx.storage.transactionSync(() => {
      for (const event of eventos) {
        if (sql.exec("INSERT OR IGNORE INTO ids (id, at) VALUES (?, ?)", event.id, now).rowsWritten === 0) continue;
        fresh += 1;
        const id = event.chat.id_resumen;
        let row = this.rows.get(id);
        if (!row) this.rows.set(id, (row = floorRow(id)));
        row.lastEventAt = Date.parse(event.ocurrido_en);
        sql.exec("INSERT OR REPLACE INTO chats (id, data) VALUES (?, ?)", id, JSON.stringify(row));
      }
    });
    return { aceptados: fresh, duplicados: eventos.length - fresh, obsoletos: 0 };
  }
}

/** A row the size and shape of a product chat row. */
function floorRow(id: number): Record<string, unknown> {
  return {
    id_resumen: id, id_cliente: `CLI${id}`, departamento: "Ventas", numero_perfil: "+15551234567",
    numero_cliente: `+58414${String(id).padStart(7, "0")}`, nombre_cliente: `Cliente ${id}`, agente: null,
    estado: "pendiente", open: true, waitingSince: Date.now(), lastEventAt: 0, closedAt: null, closedKey: null,
    firstWaitAt: Date.now(), firstResponded: false,
  };
}

type BenchEnv = Env & { DURABLE_FLOOR: DurableObjectNamespace<DurableFloor> };

/** Held encoded, as the product's read path holds its snapshots: the floor is sending them. */
const slots = new Map<string, Uint8Array>();

async function bare(request: Request, env: BenchEnv): Promise<Response> {
  const path = new URL(request.url).pathname;
  const slot = /^\/__bare\/bytes\/(\w+)$/.exec(path)?.[1];
  if (slot && request.method === "PUT") {
    slots.set(slot, new Uint8Array(await request.arrayBuffer()));
    return new Response(null, { status: 204 });
  }
  if (slot) return new Response(slots.get(slot) ?? null, { headers: { "Content-Type": "application/json; charset=UTF-8" } });
  if (path === "/__bare/floor") {
    const body = await request.text();
    return Response.json(await env.DURABLE_FLOOR.getByName("floor").ingest(body));
  }
  if (path === "/__bare/sink") {
    await request.arrayBuffer();
    return new Response('{"aceptados":0,"duplicados":0,"obsoletos":0}', { headers: { "Content-Type": "application/json" } });
  }
  return new Response(null, { status: 404 });
}

type ProbeRequest =
  | { action: "load"; name: string; n: number }
  | { action: "open"; name: string }
  | { action: "costs"; name: string; events: number; builds: number; detailBuilds: number; scans: number };

/** Loads an object with n open chats, or takes one round of timings inside it. */
async function probe(request: Request, env: Env): Promise<Response> {
  if (request.headers.get("Authorization") !== `Bearer ${env.ADMIN_TOKEN}`) return new Response(null, { status: 401 });
  const { action, name, ...options } = (await request.json()) as ProbeRequest;
  const settings: BranchSettings = { empresa: "bench", sucursal: name, nombre: name, zona_horaria: "America/Caracas", objetivo_respuesta_min: 10 };
  const stub = env.BRANCH.getByName(`bench/${name}`) as unknown as DurableObjectStub<Branch>;
  if (action === "load") return Response.json(await stub.benchLoad(settings, (options as { n: number }).n));
  if (action === "open") return Response.json(await stub.benchOpen());
  return Response.json(await stub.benchCosts(settings, options as Parameters<Branch["benchCosts"]>[1]));
}

/** The Worker's share of ingesting: JSON.parse of a batch body and each event's zod validation. */
async function validationCost(request: Request): Promise<Response> {
  const body = await request.text();
  const rounds = 40;
  const start = performance.now();
  let events = 0;
  for (let i = 0; i < rounds; i++) {
    const { eventos } = JSON.parse(body) as { eventos: unknown[] };
    for (const item of eventos) {
      const result = ChatEvent.safeParse(item);
      if (result.success) Date.parse(result.data.ocurrido_en);
      events += 1;
    }
  }
  return Response.json({ msPerEvent: (performance.now() - start) / events });
}

/**
 * The Worker's own time per request for each path given (µs), the network and proxy left out:
 * `app.fetch` called in a loop inside the isolate, bodies read, as a client would.
 */
async function readCost(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  const { paths, times } = (await request.json()) as { paths: string[]; times: number };
  const origin = new URL(request.url).origin;
  const result: Record<string, number> = {};
  for (const path of paths) {
    const start = performance.now();
    for (let i = 0; i < times; i++) await (await app.fetch(new Request(`${origin}${path}`), env, ctx)).arrayBuffer();
    result[path] = ((performance.now() - start) / times) * 1000;
  }
  return Response.json(result);
}

/**
 * The Worker's steps of one ingest request (µs per event of the body given, medians left to the
 * driver): the key check, the body reader, the validation; the RPC into the object with nothing
 * done there; the object's own steps (benchSteps). And the read path's limiter call (µs per call).
 */
async function steps(request: Request, env: BenchEnv): Promise<Response> {
  if (request.headers.get("Authorization") !== `Bearer ${env.ADMIN_TOKEN}`) return new Response(null, { status: 401 });
  const { body, key, name, times } = (await request.json()) as { body: string; key: string; name: string; times: number };
  const settings: BranchSettings = { empresa: "bench", sucursal: name, nombre: name, zona_horaria: "America/Caracas", objetivo_respuesta_min: 10 };
  const clock = () => performance.now();
  const count = (eventList(JSON.parse(body)) as unknown[]).length;
  const perEvent = (ms: number) => (ms * 1000) / (times * count);

  let start = clock();
  for (let i = 0; i < times; i++) {
    const record = await readIngestKeyCached(env.CONFIG, ingestKeyId(key)!);
    if (!record || !(await secretMatches(key, record.hash))) throw new Error("the bench's key does not check");
  }
  const keyCheck = perEvent(clock() - start);

  start = clock();
  for (let i = 0; i < times; i++) {
    const raw = new Request("http://bench/v1/events", { method: "POST", headers: { "Content-Type": "application/json" }, body });
    await readJsonBody({ req: { header: (header: string) => raw.headers.get(header) ?? undefined, raw } } as unknown as Context);
  }
  const bodyReader = perEvent(clock() - start);

  const parsedBody = JSON.parse(body);
  start = clock();
  let events: BranchEvent[] = [];
  for (let i = 0; i < times; i++) {
    events = parseEvents(eventList(parsedBody), Date.now()).map((event) => ({ id: event.id, tipo: event.tipo, at: Date.parse(event.ocurrido_en), chat: event.chat }));
  }
  const validation = perEvent(clock() - start);

  const stub = env.BRANCH.getByName(`bench/${name}`) as unknown as DurableObjectStub<Branch>;
  await stub.benchEcho(settings, events);
  start = clock();
  for (let i = 0; i < times; i++) await stub.benchEcho(settings, events);
  const rpc = perEvent(clock() - start);
  const inObject = await stub.benchSteps(settings, events, times);

  const limits = 2000;
  start = clock();
  for (let i = 0; i < limits; i++) await env.TOKEN_LIMIT.limit({ key: `bench/limiter/${i % 10}` });
  const limiterUsPerCall = ((clock() - start) * 1000) / limits;
  return Response.json({ keyCheck, bodyReader, validation, rpc, ...inObject, limiterUsPerCall });
}

export { Company } from "../src/index";

async function companyMiss(request: Request, env: Env): Promise<Response> {
  const { empresa, times } = (await request.json()) as { empresa: string; times: number };
  const stub = env.COMPANY.getByName(empresa);
  const { reports, branches } = await stub.reports();
  // The Workers clock only moves across I/O: time whole loops, the same report calls in both, so
  // their difference is the roll-up calls' own cost (one a cache miss of the company read).
  const loop = async (build: boolean) => {
    const start = Date.now();
    for (let i = 0; i < times; i++) {
      const report = reports[i % reports.length];
      // A newer instant of the same figures: accepted, so the next roll-up is built, not memoized.
      await stub.report({ ...report, generatedAt: Date.now() + i });
      if (build) await stub.serializedRollup(empresa, {});
    }
    return Date.now() - start;
  };
  const withRollup = await loop(true);
  const reportsOnly = await loop(false);
  return Response.json({ miss_us: (Math.max(0, withRollup - reportsOnly) / times) * 1000, branches: branches.length });
}

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext) {
    const path = new URL(request.url).pathname;
    if (path === "/__probe/read-cost") return readCost(request, env, ctx);
    if (path === "/__probe/validate") return validationCost(request);
    if (path === "/__probe/steps") return steps(request, env as BenchEnv);
    if (path.startsWith("/__bare/")) return bare(request, env as BenchEnv);
    if (path === "/__probe/costs") return probe(request, env);
    if (path === "/__probe/company-miss") return companyMiss(request, env);
    return app.fetch(request, env, ctx);
  },
};
