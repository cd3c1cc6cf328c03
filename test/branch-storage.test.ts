/**
 * The branch Durable Object's durability: its state survives a restart (reloaded from SQLite, the
 * same snapshot), applied event ids are remembered at least 24 hours and forgotten by the alarm,
 * and no SQL statement binds more than SQLite's 100 parameters.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Branch } from "../src/branch/branch";
import { BranchStore } from "../src/branch/store";
import { branchObject, eventAt, provisionBranch, push, putChats, readStatus, setClock, storedState } from "./helpers";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Ahead of the real clock: an alarm set by the object then is never run by the runtime on its own. */
const LATER = Date.parse("2031-03-10T12:00:00.000Z");

afterEach(() => vi.restoreAllMocks());

/** The object's private parts, for white-box checks only. */
type Inside = { state: unknown; store: { sql: SqlStorage }; settings: unknown };
const inside = (instance: Branch) => instance as unknown as Inside;

describe("restart", () => {
  it("serves the same snapshot after the object is evicted and reloaded from storage", async () => {
    const branch = await provisionBranch({ zona_horaria: "Asia/Kathmandu" });
    const now = Date.now();
    await push(
      branch,
      eventAt(branch, "chat.actualizado", { id_resumen: 1, estado: "asignado", agente: "ana", departamento: "Ventas" }, now - 40.5 * MINUTE),
      eventAt(branch, "chat.mensaje_agente", { id_resumen: 1 }, now - 35.5 * MINUTE),
      eventAt(branch, "chat.mensaje_cliente", { id_resumen: 1 }, now - 12.5 * MINUTE),
      eventAt(branch, "chat.actualizado", { id_resumen: 2, estado: "icarobot_ia" }, now - 3.5 * MINUTE),
      eventAt(branch, "chat.actualizado", { id_resumen: 3 }, now - 70.5 * MINUTE),
      eventAt(branch, "chat.cerrado", { id_resumen: 3 }, now - 1.5 * MINUTE),
    );
    const takenAt = now - 2 * MINUTE;
    const reconciled = await putChats(branch, {
      tomado_en: new Date(takenAt).toISOString(),
      chats: [{ id_resumen: 4, estado: "pendiente", espera_desde: new Date(now - 25.5 * MINUTE).toISOString() }],
      cerrados_hoy: 12,
    });
    expect(reconciled.status).toBe(200);
    const late = eventAt(branch, "chat.cerrado", { id_resumen: 4 }, now - 0.5 * MINUTE);
    await push(branch, late);
    const { generado_en: _, ...before } = await readStatus(branch);

    const stub = branchObject(branch);
    await runInDurableObject(stub, (instance, state) => {
      // What it keeps in memory is exactly what it would load from storage.
      expect(new BranchStore(state.storage.sql).load()).toEqual(inside(instance).state);
      (instance as unknown as { marker: boolean }).marker = true;
    });
    await expect(runInDurableObject(stub, (_instance, state) => state.abort("restart test"))).rejects.toThrow();
    // A stub whose object was aborted stays broken; a new one reaches the reloaded object.
    await runInDurableObject(branchObject(branch), (instance) => {
      expect((instance as unknown as { marker?: boolean }).marker).toBeUndefined();
    });

    const { generado_en: __, ...after } = await readStatus(branch);
    expect(after).toEqual(before);
    // Its memory of applied ids and its reconciliation fence survived too.
    expect(await push(branch, late)).toEqual({ aceptados: 0, duplicados: 1, obsoletos: 0 });
    expect(await push(branch, eventAt(branch, "chat.actualizado", { id_resumen: 9 }, takenAt - 1000))).toEqual({ aceptados: 0, duplicados: 0, obsoletos: 1 });
  });
});

describe("chat rows", () => {
  it("store text with NUL, lone surrogates, quotes and escapes exactly as memory holds it, and load it back", async () => {
    const branch = await provisionBranch();
    const names = ["Ana\u0000Beto", "a\ud800b\udfff", 'comillas " y \\ barra', "ñandú 🦤", "</script>\u2028"];
    await push(branch, ...names.map((nombre_cliente, i) => eventAt(branch, "chat.actualizado", { id_resumen: i + 1, nombre_cliente, agente: nombre_cliente }, Date.now() - MINUTE)));
    await runInDurableObject(branchObject(branch), (instance, state) => {
      const loaded = new BranchStore(state.storage.sql).load();
      expect(loaded).toEqual(inside(instance).state);
      expect([...loaded.chats.values()].map((chat) => chat.nombre_cliente).sort()).toEqual([...names].sort());
    });
  });
});

describe("remembered event ids", () => {
  it("keeps ids applied less than 25 hours ago and forgets older ones, in the alarm only", async () => {
    setClock(LATER);
    const branch = await provisionBranch();
    const now = Date.now();
    const older = eventAt(branch, "chat.actualizado", { id_resumen: 1 }, now - 3 * MINUTE);
    const old = eventAt(branch, "chat.actualizado", { id_resumen: 2 }, now - 2 * MINUTE);
    const recent = eventAt(branch, "chat.actualizado", { id_resumen: 3 }, now - 2 * MINUTE);
    await push(branch, older);
    await push(branch, old);
    await push(branch, recent);
    const stub = branchObject(branch);
    await runInDurableObject(stub, (_instance, state) => {
      // As if applied 26 h, 25 h 6 min and 24 h 54 min ago, and the last housekeeping long past.
      const appliedAgo = (id: string, ago: number) => state.storage.sql.exec(`UPDATE applied_events SET applied_at = ? WHERE id = ?`, Date.now() - ago, id);
      appliedAgo(older.id, 26 * HOUR);
      appliedAgo(old.id, 25.1 * HOUR);
      appliedAgo(recent.id, 24.9 * HOUR);
      new BranchStore(state.storage.sql).setMeta("pruned_at", 0);
    });

    // Ingestion does not prune: all are still remembered.
    await push(branch, eventAt(branch, "chat.actualizado", { id_resumen: 4 }, now));
    expect((await storedState(branch)).eventIds).toEqual(expect.arrayContaining([older.id, old.id, recent.id]));

    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const ids = (await storedState(branch)).eventIds;
    expect(ids).toContain(recent.id);
    expect(ids).not.toContain(old.id);
    expect(ids).not.toContain(older.id);
    expect(await push(branch, recent)).toMatchObject({ duplicados: 1 });
    expect(await push(branch, old)).toMatchObject({ duplicados: 0 });
  });

  it("never forgets an id early when the clock stepped back: one applied later but dated older is kept as long as those before it", async () => {
    setClock(LATER);
    const branch = await provisionBranch();
    const now = Date.now();
    const first = eventAt(branch, "chat.actualizado", { id_resumen: 1 }, now - 2 * MINUTE);
    const second = eventAt(branch, "chat.actualizado", { id_resumen: 2 }, now - 2 * MINUTE);
    await push(branch, first);
    await push(branch, second);
    const stub = branchObject(branch);
    await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      sql.exec(`UPDATE applied_events SET applied_at = ? WHERE id = ?`, Date.now() - 24.9 * HOUR, first.id);
      sql.exec(`UPDATE applied_events SET applied_at = ? WHERE id = ?`, Date.now() - 25.1 * HOUR, second.id);
      new BranchStore(sql).setMeta("pruned_at", 0);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await storedState(branch)).eventIds).toEqual(expect.arrayContaining([first.id, second.id]));
    expect(await push(branch, first, second)).toMatchObject({ duplicados: 2 });
  });

  it("keeps no index on time: a stored object that had one loses it when it wakes, and its ids stay", async () => {
    const branch = await provisionBranch();
    const event = eventAt(branch, "chat.actualizado", { id_resumen: 1 }, Date.now());
    await push(branch, event);
    const indexes = (sql: SqlStorage) =>
      sql.exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'applied_events' AND sql IS NOT NULL`).toArray().map((row) => row.name);
    const after = await runInDurableObject(branchObject(branch), (_instance, state) => {
      const sql = state.storage.sql;
      expect(indexes(sql)).toEqual([]);
      sql.exec(`CREATE INDEX applied_events_by_time ON applied_events (applied_at)`);
      new BranchStore(sql);
      return indexes(sql);
    });
    expect(after).toEqual([]);
    expect(await push(branch, event)).toMatchObject({ duplicados: 1 });
  });

  it("keeps its alarm set for the next housekeeping", async () => {
    const branch = await provisionBranch();
    await push(branch, eventAt(branch, "chat.actualizado", { id_resumen: 1 }, Date.now()));
    const stub = branchObject(branch);
    await runDurableObjectAlarm(stub);
    const alarm = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThan(Date.now());
    expect(alarm).toBeLessThanOrEqual(Date.now() + HOUR);
  });
});

describe("SQLite bound parameters", () => {
  it("binds at most 100 parameters and no value near SQLite's 2 MB per statement, and writes a batch in a few statements", async () => {
    const branch = await provisionBranch();
    const stub = branchObject(branch);
    const now = Date.now();
    const { max, calls, batchCalls, longest } = await runInDurableObject(stub, async (instance, state) => {
      const sql = inside(instance).store.sql;
      const exec = sql.exec;
      let max = 0;
      let calls = 0;
      let longest = 0;
      sql.exec = function (this: SqlStorage, query: string, ...bindings: unknown[]) {
        calls += 1;
        max = Math.max(max, bindings.length);
        for (const value of bindings) if (typeof value === "string") longest = Math.max(longest, new TextEncoder().encode(value).byteLength);
        return exec.call(this, query, ...bindings);
      } as typeof sql.exec;
      try {
        const settings = inside(instance).settings as Parameters<Branch["applyEvents"]>[0];
        const events = Array.from({ length: 1000 }, (_, i) => ({
          id: `e${i}`,
          tipo: (i % 3 ? "chat.actualizado" : "chat.mensaje_agente") as "chat.actualizado",
          at: now - (1000 - i) * 1000,
          chat: { id_resumen: i % 400, agente: "ana" },
        }));
        await instance.applyEvents(settings, events);
        const batchCalls = calls;
        // Long multi-byte details: the reconciliation's rows need several statements.
        const name = "ñ".repeat(512);
        const chats = Array.from({ length: 2000 }, (_, i) => ({ id_resumen: i, estado: "nuevo" as const, espera_desde: null, nombre_cliente: name, id_cliente: name }));
        await instance.reconcile(settings, now, chats, 5);
        return { max, calls, batchCalls, longest };
      } finally {
        sql.exec = exec;
      }
    });
    expect(batchCalls).toBeGreaterThan(0);
    expect(batchCalls).toBeLessThan(40);
    expect(calls).toBeGreaterThan(batchCalls + 3);
    expect(max).toBeLessThanOrEqual(100);
    expect(longest).toBeLessThan(1024 * 1024);
    expect((await readStatus(branch)).resumen_general.chat_abiertos).toBe(2000);
  });
});
