/**
 * The chat index changes how a snapshot is computed, never what it says: on random histories the
 * indexed builder (index kept in step event by event, as the Durable Object keeps it) gives the
 * body of the old full-scan builder, and a memoized body stays true until `snapshotValidUntil`.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChatIndex } from "../src/branch/chat-index";
import { nextLocalMidnight } from "../src/branch/local-day";
import { type BranchEvent, type BranchState, type BranchSettings, applyIndexed, emptyState, prune, reconcile } from "../src/branch/model";
import { type SnapshotOptions, buildSnapshot, snapshotValidUntil } from "../src/branch/snapshot";
import type { StatusBody } from "../src/schemas/status";
import { referenceSnapshot } from "./reference-snapshot";

const SETTINGS: BranchSettings = { empresa: "e", sucursal: "s", nombre: "S", zona_horaria: "America/Caracas", objetivo_respuesta_min: 10 };
const START = Date.parse("2026-11-24T12:00:00.000Z");
const MINUTE = 60_000;

const TIPOS = ["chat.actualizado", "chat.mensaje_cliente", "chat.mensaje_agente", "chat.cerrado"] as const;
const ESTADOS = ["nuevo", "pendiente", "asignado", "icarobot_ia"] as const;
const DEPARTMENTS = ["Ventas", "Soporte", "Cobranza", null] as const;
const AGENTS = ["ana", "luis", "Zoe", null] as const;

const eventArb = fc.record({
  tipo: fc.constantFrom(...TIPOS),
  id: fc.integer({ min: 1, max: 25 }),
  // Mostly forward in time, sometimes backwards (stale), in milliseconds that are not round minutes.
  step: fc.integer({ min: -3 * MINUTE, max: 20 * MINUTE }),
  estado: fc.option(fc.constantFrom(...ESTADOS), { nil: undefined }),
  departamento: fc.option(fc.constantFrom(...DEPARTMENTS), { nil: undefined }),
  agente: fc.option(fc.constantFrom(...AGENTS), { nil: undefined }),
  // An explicit wait start, now and then, up to 10 minutes ahead of the event.
  espera: fc.option(fc.option(fc.integer({ min: -90 * MINUTE, max: 10 * MINUTE }), { nil: null }), { nil: undefined, freq: 6 }),
});

const opArb = fc.oneof(
  { weight: 20, arbitrary: eventArb.map((event) => ({ kind: "event" as const, event })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 8 }).map((closed) => ({ kind: "reconcile" as const, closed })) },
  { weight: 1, arbitrary: fc.constant({ kind: "prune" as const }) },
);

const readArb = fc.record({
  later: fc.integer({ min: 0, max: 200 * MINUTE }),
  // Or right at a waiting chat's minute or bucket boundary, where off-by-one errors live.
  boundary: fc.option(
    fc.record({ pick: fc.nat(), minutes: fc.constantFrom(0, 1, 9, 10, 19, 20, 29, 30, 59, 60, 61), delta: fc.integer({ min: -1, max: 1 }) }),
    { nil: undefined },
  ),
  detalle: fc.boolean(),
  departamento: fc.option(fc.constantFrom("Ventas", "Soporte", "Sin departamento", "Nadie"), { nil: undefined }),
});

type Op = typeof opArb extends fc.Arbitrary<infer T> ? T : never;

/** Plays a history the way the Durable Object does; returns the state, its index and the last instant. */
function play(ops: Op[]): { state: BranchState; index: ChatIndex; at: number } {
  const state = emptyState();
  let index = new ChatIndex();
  let at = START;
  let n = 0;
  for (const op of ops) {
    if (op.kind === "event") {
      const e = op.event;
      at += e.step;
      const chat: BranchEvent["chat"] = { id_resumen: e.id };
      if (e.estado !== undefined) chat.estado = e.estado;
      if (e.departamento !== undefined) chat.departamento = e.departamento;
      if (e.agente !== undefined) chat.agente = e.agente;
      if (e.espera !== undefined) chat.espera_desde = e.espera === null ? null : new Date(at + e.espera).toISOString();
      applyIndexed(state, index, { id: `e${++n}`, tipo: e.tipo, at, chat }, SETTINGS);
    } else if (op.kind === "reconcile") {
      const open = [...state.chats.values()].filter((chat) => chat.open).slice(0, 5);
      const chats = open.map((chat) => ({
        ...chat,
        espera_desde: chat.waitingSince === null ? null : new Date(chat.waitingSince - MINUTE).toISOString(),
      }));
      reconcile(state, at, chats, op.closed, SETTINGS);
      index = ChatIndex.of(state);
    } else {
      prune(state, at + 49 * 3_600_000, SETTINGS);
    }
  }
  return { state, index, at };
}

/** The instant a read happens: `later` after the history, or at a waiting chat's boundary. */
function readAt(state: BranchState, at: number, read: typeof readArb extends fc.Arbitrary<infer R> ? R : never): number {
  const waiting = [...state.chats.values()].filter((chat) => chat.open && chat.waitingSince !== null);
  if (!read.boundary || waiting.length === 0) return at + read.later;
  const chat = waiting[read.boundary.pick % waiting.length];
  return Math.max(at, chat.waitingSince! + read.boundary.minutes * MINUTE + read.boundary.delta);
}

/** The reference's departments in name order (the only order the indexed builder changed). */
function canonical(body: StatusBody): string {
  const names = Object.keys(body.por_departamento).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify({ ...body, por_departamento: Object.fromEntries(names.map((name) => [name, body.por_departamento[name]])) });
}

describe("the indexed snapshot", () => {
  it("equals the full-scan snapshot on random histories, for every option", () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 120 }), fc.array(readArb, { minLength: 1, maxLength: 6 }), (ops, reads) => {
        const { state, index, at } = play(ops);
        for (const read of reads) {
          const options: SnapshotOptions = { detalle: read.detalle, departamento: read.departamento };
          const now = readAt(state, at, read);
          expect(JSON.stringify(buildSnapshot(state, SETTINGS, now, options, index))).toBe(
            canonical(referenceSnapshot(state, SETTINGS, now, options)),
          );
        }
      }),
      { numRuns: 300 },
    );
  });

  it("lists departments by name, whatever order their chats arrived in", () => {
    const state = emptyState();
    const index = new ChatIndex();
    ["Zeta", "Alfa", "Media"].forEach((departamento, i) =>
      applyIndexed(state, index, { id: `e${i}`, tipo: "chat.actualizado", at: START, chat: { id_resumen: i, departamento } }, SETTINGS),
    );
    expect(Object.keys(buildSnapshot(state, SETTINGS, START, { detalle: false }, index).por_departamento)).toEqual(["Alfa", "Media", "Zeta"]);
  });

  it("keeps a department named __proto__ as data", () => {
    const state = emptyState();
    const index = new ChatIndex();
    applyIndexed(state, index, { id: "p", tipo: "chat.actualizado", at: START, chat: { id_resumen: 1, departamento: "__proto__" } }, SETTINGS);
    const body = buildSnapshot(state, SETTINGS, START, { detalle: false }, index);
    expect(Object.keys(body.por_departamento)).toEqual(["__proto__"]);
    expect(JSON.parse(JSON.stringify(body)).por_departamento).toEqual(JSON.parse('{"__proto__":{"chat_abiertos":1,"chat_esperando":1}}'));
  });

  it("keeps a body true until snapshotValidUntil (or local midnight), with no event in between", () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 80 }),
        readArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        (ops, read, fraction) => {
          const { state, index, at } = play(ops);
          const options: SnapshotOptions = { detalle: read.detalle, departamento: read.departamento };
          const now = readAt(state, at, read);
          const until = Math.min(snapshotValidUntil(index, now, options), nextLocalMidnight(now, SETTINGS.zona_horaria));
          expect(until).toBeGreaterThan(now);
          // Somewhere before the instant it names, and the last millisecond before it.
          const span = Math.min(until, now + 300 * MINUTE) - now;
          for (const later of [now + Math.floor(fraction * (span - 1)), now + span - 1]) {
            const memo = { ...buildSnapshot(state, SETTINGS, now, options, index), generado_en: "" };
            const fresh = { ...referenceSnapshot(state, SETTINGS, later, options), generado_en: "" };
            expect(JSON.stringify(memo)).toBe(canonical(fresh));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("says when a body stops being true: the next bucket boundary with no detail", () => {
    const state = emptyState();
    const index = new ChatIndex();
    applyIndexed(state, index, { id: "a", tipo: "chat.actualizado", at: START, chat: { id_resumen: 1 } }, SETTINGS);
    // The mean moves every 6 s; the bucket changes at 10 min: the validity ends at the first of them.
    const until = snapshotValidUntil(index, START + 9 * MINUTE + 59_000, { detalle: false });
    expect(until).toBeLessThanOrEqual(START + 10 * MINUTE);
    expect(until).toBeGreaterThan(START + 9 * MINUTE + 59_000);
  });
});
