/** The pure rule evaluation at exact instants: time crossings, per-chat waits, cooldowns, midnight. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChatIndex } from "../branch/chat-index";
import { type BranchSettings, type BranchState, applyEvent, emptyState } from "../branch/model";
import { buildSnapshot } from "../branch/snapshot";
import type { AlertRule } from "../schemas/alerts";
import { compare, nextBranchFlip } from "./crossings";
import { evaluateRules, thresholdMinutes } from "./evaluate";

const SETTINGS: BranchSettings = { empresa: "e", sucursal: "s", nombre: "S", zona_horaria: "America/Caracas", objetivo_respuesta_min: 10 };
const NOW = Date.parse("2026-11-24T14:07:12.000Z");
const MINUTE = 60_000;

function stateWithWaits(waits: number[]) {
  const state = emptyState();
  waits.forEach((since, index) => {
    applyEvent(state, { id: `e${index}`, tipo: "chat.actualizado", at: since, chat: { id_resumen: index, estado: "nuevo" } }, SETTINGS);
  });
  return state;
}

/** A figure as the status shows it at `at`, for chats waiting since each of `waits`. */
function figure(metric: string, waits: number[], at: number): number {
  const body = buildSnapshot(stateWithWaits(waits), SETTINGS, at, { detalle: false });
  return ({ ...body.resumen_general, ...body.metricas } as Record<string, number>)[metric];
}

/** `nextBranchFlip` over the chat index of chats waiting since each of `waits`. */
function flip(condition: Pick<AlertRule, "metrica" | "operador" | "umbral">, waits: number[], holds: boolean, now = NOW) {
  return nextBranchFlip(condition, ChatIndex.of(stateWithWaits(waits)).all, holds, now, SETTINGS.zona_horaria);
}

const evaluate = (rules: AlertRule[], states: Parameters<typeof evaluateRules>[1], state: BranchState, now: number) =>
  evaluateRules(rules, states, state, ChatIndex.of(state), SETTINGS, now);

function rule(fields: Partial<AlertRule>): AlertRule {
  return {
    id: "r", alcance: "sucursal", metrica: "chat_nuevos", operador: ">", umbral: 0, enfriamiento_min: 0, avisar_resuelto: false,
    canal: { tipo: "slack", url: "https://hooks.slack.com/x" }, ...fields,
  } as AlertRule;
}

describe("nextBranchFlip", () => {
  const since = NOW - 59 * MINUTE - 30_000;

  it("finds the exact millisecond the longest wait reaches the threshold", () => {
    expect(flip({ metrica: "espera_maxima_min", operador: ">=", umbral: 60 }, [since, NOW - MINUTE], false, NOW)).toBe(since + 60 * MINUTE);
    // Whole minutes, as the status shows them: `> 60` holds from minute 61.
    expect(flip({ metrica: "espera_maxima_min", operador: ">", umbral: 60 }, [since], false, NOW)).toBe(since + 61 * MINUTE);
  });

  it("finds when a falling figure stops holding", () => {
    expect(flip({ metrica: "chat_tiempo_espera_menos_10min", operador: ">=", umbral: 2 }, [NOW - 9 * MINUTE, NOW - 2 * MINUTE], true, NOW)).toBe(NOW + MINUTE);
  });

  it("finds a middle bucket's crossing at a chat's entry into it", () => {
    const waits = [NOW - 25 * MINUTE, NOW - 5 * MINUTE];
    expect(flip({ metrica: "chat_tiempo_espera_20min", operador: ">=", umbral: 1 }, waits, false, NOW)).toBe(NOW + 5 * MINUTE);
  });

  it("finds a middle bucket's first crossing, as checking every entry and exit would", () => {
    const metrics = ["chat_tiempo_espera_20min", "chat_tiempo_espera_30min", "chat_tiempo_espera_60min"] as const;
    const bounds = { chat_tiempo_espera_20min: [10, 20], chat_tiempo_espera_30min: [20, 30], chat_tiempo_espera_60min: [30, 60] };
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -5 * MINUTE, max: 90 * MINUTE }), { minLength: 1, maxLength: 20 }),
        fc.constantFrom(...metrics),
        fc.constantFrom(">", ">=", "<", "<=" as const),
        fc.integer({ min: 0, max: 6 }),
        (ages, metrica, operador, umbral) => {
          const waits = ages.map((age) => NOW - Math.round(age / MINUTE) * MINUTE);
          const holds = compare(figure(metrica, waits, NOW), operador, umbral);
          const [low, high] = bounds[metrica];
          const brute = [...new Set(waits.flatMap((since) => [since + low * MINUTE, since + high * MINUTE]))]
            .filter((at) => at > NOW)
            .sort((a, b) => a - b)
            .find((at) => compare(figure(metrica, waits, at), operador, umbral) !== holds);
          expect(flip({ metrica, operador, umbral }, waits, holds, NOW)).toBe(brute ?? null);
        },
      ),
    );
  });

  it("finds the mean wait's crossing to the millisecond", () => {
    const waits = [NOW - 10 * MINUTE, NOW - 20 * MINUTE];
    const at = flip({ metrica: "espera_promedio_min", operador: ">=", umbral: 30 }, waits, false, NOW)!;
    expect(figure("espera_promedio_min", waits, at)).toBeGreaterThanOrEqual(30);
    expect(figure("espera_promedio_min", waits, at - 1)).toBeLessThan(30);
  });

  it("has nothing to wait for on a figure that only events change", () => {
    expect(flip({ metrica: "chat_nuevos", operador: ">", umbral: 1 }, [since], false, NOW)).toBeNull();
  });

  it("looks at the day's figures again at the branch's local midnight", () => {
    // 23:30 in Caracas (UTC-4): midnight is half an hour away.
    const evening = Date.parse("2026-11-24T23:30:00-04:00");
    for (const metrica of ["chat_cerrados", "primera_respuesta_promedio_min", "nivel_servicio_pct"]) {
      expect(flip({ metrica, operador: ">=", umbral: 1 }, [], true, evening), metrica).toBe(Date.parse("2026-11-25T00:00:00-04:00"));
    }
  });

  it("looks at the day's figures again at least hourly", () => {
    const morning = Date.parse("2026-11-24T09:00:00-04:00");
    expect(flip({ metrica: "nivel_servicio_pct", operador: "<", umbral: 80 }, [], false, morning)).toBe(morning + 60 * MINUTE);
  });
});

describe("chat rules", () => {
  it("reach the threshold at whole minutes", () => {
    expect(thresholdMinutes({ operador: ">=", umbral: 60 })).toBe(60);
    expect(thresholdMinutes({ operador: ">", umbral: 60 })).toBe(61);
    expect(thresholdMinutes({ operador: ">=", umbral: 59.5 })).toBe(60);
  });

  it("schedule the next chat's crossing and fire for it there", () => {
    const chatRule = rule({ alcance: "chat", metrica: "minutos_espera", operador: ">=", umbral: 60 });
    const state = stateWithWaits([NOW - 61 * MINUTE, NOW - 50 * MINUTE]);
    const first = evaluate([chatRule], new Map(), state, NOW);
    expect(first.firings.map((f) => f.payload.chat?.id_resumen)).toEqual([0]);
    expect(first.nextAt).toBe(NOW + 10 * MINUTE);
    const second = evaluate([chatRule], first.states, state, NOW + 10 * MINUTE);
    expect(second.firings.map((f) => f.payload.chat?.id_resumen)).toEqual([1]);
    expect(second.nextAt).toBeNull();
  });

  it("let a chat's new wait fire only after the cooldown since its last alert", () => {
    const chatRule = rule({ alcance: "chat", metrica: "minutos_espera", operador: ">=", umbral: 0, enfriamiento_min: 15 });
    const state = stateWithWaits([NOW]);
    const first = evaluate([chatRule], new Map(), state, NOW);
    applyEvent(state, { id: "a", tipo: "chat.mensaje_agente", at: NOW + MINUTE, chat: { id_resumen: 0 } }, SETTINGS);
    applyEvent(state, { id: "b", tipo: "chat.mensaje_cliente", at: NOW + 2 * MINUTE, chat: { id_resumen: 0 } }, SETTINGS);
    const again = evaluate([chatRule], first.states, state, NOW + 2 * MINUTE);
    expect(again.firings).toEqual([]);
    expect(again.nextAt).toBe(NOW + 15 * MINUTE);
    expect(evaluate([chatRule], again.states, state, NOW + 15 * MINUTE).firings).toHaveLength(1);
  });
});
