/**
 * The ingest hot path's shortcut in front of the `ChatEvent` zod schema (events.ts): plain checks
 * of the fields, with the schema's own patterns and limits. It only ever answers "valid, and this
 * is what zod would return" or "ask zod": an invalid event, or a shape it does not handle (a field
 * present but `undefined`), goes to `ChatEvent.safeParse`, which stays the one source of the rules
 * and of every error message. test/fast-parse.test.ts checks it against zod on random input.
 */
import { ESTADOS, IDENTIFIER, Instant } from "./common";
import { ChatEvent, ChatFields, DETAIL_FIELDS, EVENT_ID_MAX_LENGTH, EVENT_TYPES, TEXT_MAX_LENGTH } from "./events";

/** zod's own pattern for `Instant` (its definition keeps it): the shortcut never has a copy of its own. */
const INSTANT: RegExp = (() => {
  const pattern = Instant._zod.def.pattern;
  if (!(pattern instanceof RegExp)) throw new Error("zod no longer exposes the ISO instant's pattern: fast-parse.ts needs updating");
  return pattern;
})();
const TYPES = new Set<unknown>(EVENT_TYPES);
const STATES = new Set<unknown>(ESTADOS);
/** The chat's optional fields in the schema's order: zod's output lists them so. */
const CHAT_KEYS = Object.keys(ChatFields.shape).filter((name) => name !== "id_resumen");
const TEXT_KEYS = new Set<string>(DETAIL_FIELDS);

type Plain = Record<string, unknown>;

const isPlain = (value: unknown): value is Plain => typeof value === "object" && value !== null && !Array.isArray(value);
const isIdentifier = (value: unknown) => typeof value === "string" && IDENTIFIER.test(value);

/** The chat's fields as zod returns them (unknown keys dropped), or null to ask zod. */
function fastChat(input: unknown): ChatFields | null {
  if (!isPlain(input)) return null;
  const id = input.id_resumen;
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 0) return null;
  const chat: Plain = { id_resumen: id };
  for (const key of CHAT_KEYS) {
    if (!(key in input)) continue;
    const value = input[key];
    if (value === undefined) return null;
    if (TEXT_KEYS.has(key)) {
      if (value !== null && (typeof value !== "string" || value.length > TEXT_MAX_LENGTH)) return null;
    } else if (key === "estado") {
      if (!STATES.has(value)) return null;
    } else if (key === "espera_desde") {
      if (value !== null && (typeof value !== "string" || !INSTANT.test(value))) return null;
    } else {
      return null; // a field this shortcut does not know: zod decides
    }
    chat[key] = value;
  }
  return chat as ChatFields;
}

/** The event as `ChatEvent.safeParse(input).data` would be, or null when zod must decide. */
export function fastChatEvent(input: unknown): ChatEvent | null {
  if (!isPlain(input)) return null;
  const { id, tipo, empresa, sucursal, ocurrido_en } = input;
  if (typeof id !== "string" || id.length === 0 || id.length > EVENT_ID_MAX_LENGTH) return null;
  if (!TYPES.has(tipo) || !isIdentifier(empresa) || !isIdentifier(sucursal)) return null;
  if (typeof ocurrido_en !== "string" || !INSTANT.test(ocurrido_en)) return null;
  const chat = fastChat(input.chat);
  if (!chat) return null;
  return { id, tipo, empresa, sucursal, ocurrido_en, chat } as ChatEvent;
}

/** `ChatEvent.safeParse`, through the shortcut when it can answer. */
export function parseChatEvent(input: unknown): ReturnType<typeof ChatEvent.safeParse> {
  const fast = fastChatEvent(input);
  return fast ? { success: true, data: fast } : ChatEvent.safeParse(input);
}
