/**
 * The ingest shortcut (src/schemas/fast-parse.ts) against the zod schema it stands in front of:
 * on random events, valid and broken in every field, it accepts exactly what `ChatEvent.safeParse`
 * accepts, returns the same data, and gives the same errors; and it does answer the valid events
 * the helpdesk sends, so the hot path does not fall back to zod.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChatEvent, EVENT_TYPES } from "../src/schemas/events";
import { ESTADOS } from "../src/schemas/common";
import { fastChatEvent, parseChatEvent } from "../src/schemas/fast-parse";

const instants = fc.constantFrom(
  "2026-11-24T14:03:00Z", "2026-11-24T14:03:00.123Z", "2026-11-24T14:03:00.5-04:00", "2024-02-29T00:00:00+05:45",
  "2023-02-29T00:00:00Z", "2026-02-30T10:00:00Z", "2026-13-01T10:00:00Z", "2026-11-24T24:00:00Z", "2026-11-24T14:03:00",
  "2026-11-24T14:03:00z", "2026-11-24 14:03:00Z", "2026-11-24T14:03Z", "2026-11-24T14:03:00+0400", "2026-11-24T14:03:00+24:00",
  "2000-02-29T23:59:59.999999Z", "1900-02-29T00:00:00Z", "",
);
const texts = fc.oneof(fc.string({ maxLength: 20 }), fc.constant("x".repeat(512)), fc.constant("x".repeat(513)), fc.constant("ñ".repeat(512)));
const identifiers = fc.oneof(fc.constantFrom("icarosoft", "mcbo1", "a", "A_b-9", "-a", "", "a".repeat(64), "a".repeat(65), "ñandu"), fc.string({ maxLength: 6 }));
const junk = fc.oneof(fc.constant(null), fc.constant(undefined), fc.integer(), fc.double(), fc.boolean(), fc.constant([]), fc.constant({}), fc.string({ maxLength: 4 }));

/** A field that is usually valid, sometimes of another kind. */
const mostly = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: junk });
/** An optional field: absent, or (mostly) valid, or junk. */
const maybe = <T>(valid: fc.Arbitrary<T>) => fc.option(mostly(valid), { nil: undefined, freq: 2 });

const chat = fc.record(
  {
    id_resumen: mostly(fc.oneof(fc.nat(), fc.constantFrom(-1, 0.5, -0, Number.MAX_SAFE_INTEGER, 2 ** 53, Number.NaN, Infinity))),
    id_cliente: maybe(fc.option(texts, { nil: null })),
    departamento: maybe(fc.option(texts, { nil: null })),
    numero_perfil: maybe(fc.option(texts, { nil: null })),
    numero_cliente: maybe(fc.option(texts, { nil: null })),
    nombre_cliente: maybe(fc.option(texts, { nil: null })),
    estado: maybe(fc.oneof(fc.constantFrom(...ESTADOS), fc.constantFrom("cerrado", "NUEVO"))),
    agente: maybe(fc.option(texts, { nil: null })),
    espera_desde: maybe(fc.option(instants, { nil: null })),
    otro: maybe(fc.string()),
  },
  { requiredKeys: [] },
);

const chatEvent = fc.record(
  {
    id: mostly(fc.oneof(fc.string({ minLength: 0, maxLength: 12 }), fc.constant("e".repeat(200)), fc.constant("e".repeat(201)))),
    tipo: mostly(fc.oneof(fc.constantFrom(...EVENT_TYPES), fc.constant("chat.borrado"))),
    empresa: mostly(identifiers),
    sucursal: mostly(identifiers),
    ocurrido_en: mostly(instants),
    chat: mostly(chat),
    extra: maybe(fc.string()),
  },
  { requiredKeys: [] },
);

/** A valid event of the shape the helpdesk sends (no field present with `undefined`). */
const validEvent = fc.record({
  id: fc.string({ minLength: 1, maxLength: 40 }),
  tipo: fc.constantFrom(...EVENT_TYPES),
  empresa: fc.constantFrom("icarosoft", "b2"),
  sucursal: fc.constantFrom("mcbo1", "x-1"),
  ocurrido_en: fc.constantFrom("2026-11-24T14:03:00Z", "2026-11-24T14:03:00.123-04:00"),
  chat: fc.record(
    {
      id_resumen: fc.nat(),
      nombre_cliente: fc.option(fc.string({ maxLength: 30 }), { nil: null }),
      estado: fc.constantFrom(...ESTADOS),
      agente: fc.option(fc.string({ maxLength: 10 }), { nil: null }),
      espera_desde: fc.option(fc.constant("2026-11-24T14:00:00Z"), { nil: null }),
    },
    { requiredKeys: ["id_resumen"] },
  ),
});

/** A valid event with up to three of its fields replaced by anything or removed: near the boundary. */
const nearValid = fc
  .record({
    event: fc.record({
      id: fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.constant("e".repeat(200))),
      tipo: fc.constantFrom(...EVENT_TYPES),
      empresa: fc.constantFrom("icarosoft", "A_b-9", "a".repeat(64)),
      sucursal: fc.constantFrom("mcbo1", "x"),
      ocurrido_en: fc.constantFrom("2026-11-24T14:03:00Z", "2024-02-29T00:00:00+05:45", "2000-02-29T23:59:59.999999Z"),
      chat: fc.record(
        {
          id_resumen: fc.oneof(fc.nat(), fc.constantFrom(0, -0, Number.MAX_SAFE_INTEGER)),
          id_cliente: fc.option(texts, { nil: null }),
          nombre_cliente: fc.option(fc.constantFrom("x".repeat(512), "ñ".repeat(512), "Juan"), { nil: null }),
          estado: fc.constantFrom(...ESTADOS),
          agente: fc.option(fc.string({ maxLength: 10 }), { nil: null }),
          espera_desde: fc.option(instants, { nil: null }),
        },
        { requiredKeys: ["id_resumen"] },
      ),
    }),
    mutations: fc.array(
      fc.record({
        path: fc.constantFrom("id", "tipo", "empresa", "sucursal", "ocurrido_en", "chat", "chat.id_resumen", "chat.estado", "chat.agente", "chat.departamento", "chat.espera_desde", "chat.nombre_cliente", "chat.extra", "extra"),
        value: fc.option(fc.oneof(junk, texts, identifiers, instants, fc.constantFrom(-1, 0.5, 2 ** 53, "e".repeat(201), "x".repeat(513), "cerrado")), { nil: "delete" as const }),
      }),
      { maxLength: 3 },
    ),
  })
  .map(({ event, mutations }) => {
    const copy: Record<string, unknown> = { ...event, chat: { ...event.chat } };
    for (const { path, value } of mutations) {
      const [head, tail] = path.split(".");
      const target = tail === undefined ? copy : (copy[head] as Record<string, unknown>);
      if (!target || typeof target !== "object") continue;
      const key = tail ?? head;
      if (value === "delete") delete target[key];
      else target[key] = value;
    }
    return copy;
  });

describe("the ingest validation shortcut", () => {
  it("accepts exactly what the zod schema accepts, with the same data and the same errors", () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(nearValid, nearValid, chatEvent, junk), (input) => {
        const expected = ChatEvent.safeParse(input);
        const actual = parseChatEvent(input);
        expect(actual.success).toBe(expected.success);
        if (expected.success) {
          accepted += 1;
          expect(actual.data).toStrictEqual(expected.data);
        } else expect(actual.error?.issues).toStrictEqual(expected.error.issues);
      }),
      { numRuns: 5000 },
    );
    // Both sides of the boundary were tried.
    expect(accepted).toBeGreaterThan(200);
  });

  it("answers every valid event it is given itself, without zod, unless a field is present but undefined", () => {
    fc.assert(
      fc.property(fc.oneof(validEvent, nearValid), (input) => {
        const expected = ChatEvent.safeParse(input);
        const undefinedField = Object.values(input).includes(undefined) || Object.values((input.chat ?? {}) as object).includes(undefined);
        if (expected.success && !undefinedField) expect(fastChatEvent(input)).toStrictEqual(expected.data);
        if (!expected.success) expect(fastChatEvent(input)).toBeNull();
      }),
      { numRuns: 3000 },
    );
  });
});
