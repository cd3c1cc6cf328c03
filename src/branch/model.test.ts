/**
 * The branch's state machine (docs/integracion.md), specified directly on the pure model: no runtime, no
 * storage. The event-id ledger is an in-memory set, as the object's SQL table behaves.
 */
import { describe, expect, it } from "vitest";
import { ChatIndex } from "./chat-index";
import { type BranchEvent, type BranchSettings, type BranchState, type EventIdLedger, applyBatch, emptyState, reconcile } from "./model";

const SETTINGS: BranchSettings = { empresa: "e", sucursal: "s", nombre: "S", zona_horaria: "America/Caracas", objetivo_respuesta_min: 10 };
const NOW = Date.parse("2026-11-24T14:00:00Z");
const MINUTE = 60_000;

function ledger(): EventIdLedger & { ids: Set<string> } {
  const ids = new Set<string>();
  return {
    ids,
    claim: (id) => (ids.has(id) ? false : (ids.add(id), true)),
    release: (id) => void ids.delete(id),
  };
}

let n = 0;
function ev(tipo: BranchEvent["tipo"], id_resumen: number, at: number, chat: Partial<BranchEvent["chat"]> = {}, id = `e${++n}`): BranchEvent {
  return { id, tipo, at, chat: { id_resumen, ...chat } };
}

function branch() {
  const state: BranchState = emptyState();
  const index = new ChatIndex();
  const ids = ledger();
  return { state, index, ids, apply: (...events: BranchEvent[]) => applyBatch(state, index, events, SETTINGS, ids) };
}

describe("applyBatch", () => {
  it("applies a chat's events in ocurrido_en order, whatever their order in the request", () => {
    const b = branch();
    const { result } = b.apply(ev("chat.mensaje_agente", 1, NOW + MINUTE), ev("chat.actualizado", 1, NOW));
    expect(result).toEqual({ aceptados: 2, duplicados: 0, obsoletos: 0 });
    const chat = b.state.chats.get(1)!;
    expect(chat.open).toBe(true);
    expect(chat.waitingSince).toBeNull(); // opened, then answered
  });

  it("applies events of the same instant in array order", () => {
    const b = branch();
    b.apply(ev("chat.actualizado", 1, NOW, { estado: "asignado" }), ev("chat.actualizado", 1, NOW, { estado: "pendiente" }));
    expect(b.state.chats.get(1)!.estado).toBe("pendiente");
  });

  it("counts an id already applied, in this batch or an earlier one, as a duplicate", () => {
    const b = branch();
    b.apply(ev("chat.actualizado", 1, NOW, {}, "a"));
    const { result } = b.apply(ev("chat.actualizado", 2, NOW, {}, "a"), ev("chat.actualizado", 3, NOW, {}, "b"), ev("chat.actualizado", 4, NOW, {}, "b"));
    expect(result).toEqual({ aceptados: 1, duplicados: 2, obsoletos: 0 });
    expect([...b.state.chats.keys()]).toEqual([1, 3]);
  });

  it("counts an event older than its chat's last one as stale and forgets its id", () => {
    const b = branch();
    b.apply(ev("chat.actualizado", 1, NOW));
    const { result, changed } = b.apply(ev("chat.cerrado", 1, NOW - MINUTE, {}, "late"));
    expect(result).toEqual({ aceptados: 0, duplicados: 0, obsoletos: 1 });
    expect(changed).toEqual([]);
    expect(b.ids.ids.has("late")).toBe(false);
    expect(b.state.chats.get(1)!.open).toBe(true);
  });

  it("raises the version once per batch that applied something, and not otherwise", () => {
    const b = branch();
    b.apply(ev("chat.actualizado", 1, NOW), ev("chat.actualizado", 2, NOW));
    expect(b.state.version).toBe(1);
    b.apply(ev("chat.actualizado", 1, NOW - MINUTE));
    expect(b.state.version).toBe(1);
  });

  it("returns each changed chat once, to be written", () => {
    const b = branch();
    const { changed } = b.apply(ev("chat.actualizado", 1, NOW), ev("chat.mensaje_agente", 1, NOW + 1), ev("chat.actualizado", 2, NOW));
    expect(changed.map((chat) => chat.id_resumen).sort()).toEqual([1, 2]);
  });

  it("keeps the chat index in step with the state", () => {
    const b = branch();
    b.apply(ev("chat.actualizado", 1, NOW), ev("chat.actualizado", 2, NOW, { estado: "icarobot_ia" }), ev("chat.cerrado", 3, NOW));
    b.apply(ev("chat.mensaje_agente", 1, NOW + MINUTE));
    const rebuilt = ChatIndex.of(b.state);
    expect(b.index.all.counts).toEqual(rebuilt.all.counts);
    expect(b.index.all.waiting.size).toBe(rebuilt.all.waiting.size);
    expect(b.index.all.waitingForCustomer).toBe(1);
  });
});

describe("chat lifecycle", () => {
  it("a chat first seen without estado is nuevo and waits from ocurrido_en", () => {
    const b = branch();
    b.apply(ev("chat.actualizado", 1, NOW));
    expect(b.state.chats.get(1)).toMatchObject({ estado: "nuevo", open: true, waitingSince: NOW });
  });

  it("entering the bot ends the wait; leaving it for a human state starts one", () => {
    const b = branch();
    b.apply(ev("chat.actualizado", 1, NOW), ev("chat.actualizado", 1, NOW + MINUTE, { estado: "icarobot_ia" }));
    expect(b.state.chats.get(1)!.waitingSince).toBeNull();
    b.apply(ev("chat.actualizado", 1, NOW + 2 * MINUTE, { estado: "asignado" }));
    expect(b.state.chats.get(1)!.waitingSince).toBe(NOW + 2 * MINUTE);
  });

  it("a customer message after an answer starts a new wait", () => {
    const b = branch();
    b.apply(ev("chat.actualizado", 1, NOW), ev("chat.mensaje_agente", 1, NOW + MINUTE), ev("chat.mensaje_cliente", 1, NOW + 3 * MINUTE));
    expect(b.state.chats.get(1)!.waitingSince).toBe(NOW + 3 * MINUTE);
  });

  it("an explicit espera_desde sets or clears the wait", () => {
    const b = branch();
    b.apply(ev("chat.actualizado", 1, NOW, { espera_desde: new Date(NOW - 5 * MINUTE).toISOString() }));
    expect(b.state.chats.get(1)!.waitingSince).toBe(NOW - 5 * MINUTE);
    b.apply(ev("chat.actualizado", 1, NOW + MINUTE, { espera_desde: null }));
    expect(b.state.chats.get(1)!.waitingSince).toBeNull();
  });

  it("closing counts once in the day's closes; reopening uncounts it", () => {
    const b = branch();
    b.apply(ev("chat.actualizado", 1, NOW), ev("chat.cerrado", 1, NOW + MINUTE), ev("chat.cerrado", 1, NOW + 2 * MINUTE));
    const closed = () => [...b.state.daily.values()].reduce((sum, day) => sum + day.closed, 0);
    expect(closed()).toBe(1);
    b.apply(ev("chat.mensaje_cliente", 1, NOW + 3 * MINUTE));
    expect(closed()).toBe(0);
    expect(b.state.chats.get(1)!.open).toBe(true);
  });

  it("an answer counts for the service level: within the target or not", () => {
    const b = branch();
    b.apply(
      ev("chat.actualizado", 1, NOW),
      ev("chat.mensaje_agente", 1, NOW + 10 * MINUTE),
      ev("chat.actualizado", 2, NOW),
      ev("chat.mensaje_agente", 2, NOW + 11 * MINUTE),
    );
    const [day] = [...b.state.daily.values()];
    expect(day).toMatchObject({ answered: 2, answeredOnTime: 1, firstResponses: 2, firstResponseMs: 21 * MINUTE });
  });
});

describe("reconcile", () => {
  it("replaces the open chats, fences older events and raises the version", () => {
    const b = branch();
    b.apply(ev("chat.actualizado", 1, NOW), ev("chat.actualizado", 2, NOW));
    const chat = { id_resumen: 3, estado: "pendiente" as const, espera_desde: new Date(NOW).toISOString() };
    reconcile(b.state, NOW + MINUTE, [chat], 7, SETTINGS);
    expect([...b.state.chats.keys()]).toEqual([3]);
    expect(b.state.version).toBe(2);
    expect(b.state.fenceAt).toBe(NOW + MINUTE);
    const index = ChatIndex.of(b.state);
    const { result } = applyBatch(b.state, index, [ev("chat.actualizado", 4, NOW)], SETTINGS, b.ids);
    expect(result.obsoletos).toBe(1);
  });
});
