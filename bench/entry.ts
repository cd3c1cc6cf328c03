/**
 * The Worker as `npm run bench` runs it (never deployed): the product unchanged, plus
 * - `/__bare/…`: the bare handlers it is measured against, in the same Worker, runtime, process
 *   and loopback path: bytes returned from memory, and request bodies read and dropped;
 * - `/__probe/costs`: timings taken inside a branch's Durable Object (apply per event, snapshot
 *   builds) at a given number of open chats, with the floors they are compared with;
 * - `/__probe/company-miss`: the company read's cache-miss cost, one `serializedRollup` call to the
 *   company's object after a report invalidated its memo (so each call builds the roll-up anew).
 */
import app, { Branch as ProductBranch } from "../src/index";
import { ChatIndex } from "../src/branch/chat-index";
import { type BranchEvent, type BranchState, type BranchSettings, applyIndexed } from "../src/branch/model";
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

/** Held encoded, as the product's read path holds its snapshots: the floor is sending them. */
const slots = new Map<string, Uint8Array>();

async function bare(request: Request): Promise<Response> {
  const path = new URL(request.url).pathname;
  const slot = /^\/__bare\/bytes\/(\w+)$/.exec(path)?.[1];
  if (slot && request.method === "PUT") {
    slots.set(slot, new Uint8Array(await request.arrayBuffer()));
    return new Response(null, { status: 204 });
  }
  if (slot) return new Response(slots.get(slot) ?? null, { headers: { "Content-Type": "application/json; charset=UTF-8" } });
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
    if (path.startsWith("/__bare/")) return bare(request);
    if (path === "/__probe/costs") return probe(request, env);
    if (path === "/__probe/company-miss") return companyMiss(request, env);
    return app.fetch(request, env, ctx);
  },
};
