/**
 * A fuzz of the request surface against a provisioned branch: random methods, real routes with
 * mutated segments, query strings, headers and bodies. Whatever arrives, the Worker never answers
 * 5xx, every error is JSON with a `message` that holds no secret, and a rejected request changes
 * nothing.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, type TestBranch, branchFingerprint, call, event, provisionBranch, push } from "./helpers";

const NUM_RUNS = 150;

let branch: TestBranch;

beforeAll(async () => {
  branch = await provisionBranch();
  await push(
    branch,
    event(branch, "chat.actualizado", { id_resumen: 1, nombre_cliente: "Ana", departamento: "Ventas", agente: "luis" }, 3),
    event(branch, "chat.actualizado", { id_resumen: 2, estado: "pendiente" }, 2),
  );
});

/**
 * Real routes (the ones that touch the branch drawn more often); `{e}`, `{s}` and `{id}` are filled
 * with the branch's values or with hostile ones.
 */
const OTHER_ROUTES = [
  "/health",
  "/openapi.json",
  "/helpdesk-status/",
  "/helpdesk-status",
  "/helpdesk-status/serie",
  "/helpdesk-status/ws",
  "/monitor/",
  "/v1/events",
  "/v1/empresas/{e}/sucursales/{s}/chats",
  "/v1/admin/empresas/{e}/sucursales/{s}",
  "/v1/admin/empresas/{e}/sucursales/{s}/tokens",
  "/v1/admin/empresas/{e}/sucursales/{s}/tokens/{id}",
  "/v1/admin/empresas/{e}/sucursales/{s}/alertas",
  "/v1/admin/empresas/{e}/sucursales/{s}/alertas/historial",
  "/v1/admin/empresas/{e}/claves-ingesta",
  "/v1/admin/empresas/{e}/claves-ingesta/{id}",
  "/{e}/{s}",
];

const hostileText = fc.oneof(
  fc.constantFrom("..", "%2e%2e", "..%2F..%2F", "%00", "%0d%0a", "%ZZ", "a b", "__proto__", "constructor", "-x", "", " ", "ñ", "🙂"),
  fc.string({ maxLength: 80 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.nat().map((n) => "a".repeat(n % 300)),
);

/** Either the real value or a hostile one, sometimes raw, usually percent-encoded. */
function segment(real: () => string) {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(null).map(() => real()) },
    { weight: 1, arbitrary: hostileText },
    { weight: 1, arbitrary: hostileText.map((text) => encodeURIComponent(text)) },
  );
}

const path = fc
  .record({
    route: fc.oneof(
      { weight: 4, arbitrary: fc.constant("/helpdesk-status/") },
      { weight: 6, arbitrary: fc.constant("/v1/events") },
      { weight: 2, arbitrary: fc.constant("/v1/empresas/{e}/sucursales/{s}/chats") },
      { weight: 4, arbitrary: fc.constantFrom(...OTHER_ROUTES) },
    ),
    e: segment(() => branch.empresa),
    s: segment(() => branch.sucursal),
    id: segment(() => branch.tokenId),
    suffix: fc.oneof({ weight: 6, arbitrary: fc.constant("") }, { weight: 1, arbitrary: fc.constantFrom("/", "//", "/..", "/x", "%2F") }),
  })
  .map(({ route, e, s, id, suffix }) => ({ route, url: route.replace("{e}", e).replace("{s}", s).replace("{id}", id) + suffix }));

/** What a well-meaning client would send to each route: its method and its credential. */
const NATURAL: Record<string, { method: string; credential: () => string }> = {
  "/helpdesk-status/": { method: "GET", credential: () => branch.token },
  "/v1/events": { method: "POST", credential: () => branch.key },
  "/v1/empresas/{e}/sucursales/{s}/chats": { method: "PUT", credential: () => branch.key },
};

const queryValue = (real: () => string) => segment(real);

const query = fc
  .record(
    {
      token: queryValue(() => branch.token),
      empresa: queryValue(() => branch.empresa),
      sucursal: queryValue(() => branch.sucursal),
      detalle: fc.constantFrom("true", "false", "1", "", "sí"),
      formato: fc.constantFrom("json", "csv", "xml", ""),
      departamento: hostileText,
      desde: fc.constantFrom("2026-01-01T00:00:00Z", "ayer", ""),
      extra: hostileText,
    },
    { requiredKeys: ["token", "empresa", "sucursal"] },
  )
  .map((fields) => Object.entries(fields).map(([k, v]) => `${k}=${v}`).join("&"));

/** Credentials: none, the branch's own ones, and wrong ones. The real ADMIN_TOKEN is left out: with
 * it a fuzz could legitimately deprovision the branch it is checking. */
const authorization = fc.oneof(
  { weight: 6, arbitrary: fc.constant("natural" as const) },
  fc.constant(undefined),
  fc.constant(null).map(() => `Bearer ${branch.token}`),
  fc.constant(null).map(() => `Bearer ${branch.key}`),
  fc.constant(`Bearer ${ADMIN_TOKEN}x`),
  fc.constant(ADMIN_TOKEN),
  fc.string({ maxLength: 60 }).map((text) => `Bearer ${text}`),
  fc.constantFrom("Basic YWRtaW46YWRtaW4=", "Bearer", "bearer  a b c"),
);

const contentType = fc.oneof(
  { weight: 4, arbitrary: fc.constant("application/json") },
  { weight: 1, arbitrary: fc.constantFrom(undefined, "application/json; charset=utf-8", "text/plain", "multipart/form-data", "x/y") },
);

/** A mostly valid event with random fields swapped in, so validation is passed now and then. */
const nearlyValidEvent = fc
  .record({
    tipo: fc.constantFrom("chat.actualizado", "chat.mensaje_cliente", "chat.mensaje_agente", "chat.cerrado", "chat.x"),
    id_resumen: fc.oneof(fc.nat(5), fc.integer(), fc.double(), fc.constant(null)),
    overrides: fc.dictionary(fc.constantFrom("id", "empresa", "sucursal", "ocurrido_en", "chat", "tipo"), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }),
  })
  .map(({ tipo, id_resumen, overrides }) => ({ ...event(branch, tipo, { id_resumen }), ...overrides }));

const body = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 200 }),
  fc.string({ unit: "binary", maxLength: 200 }),
  { weight: 2, arbitrary: nearlyValidEvent.map((value) => JSON.stringify(value)) },
  { weight: 3, arbitrary: fc.array(nearlyValidEvent, { minLength: 1, maxLength: 5 }).map((eventos) => JSON.stringify({ eventos })) },
  fc
    .record({ chats: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }), cerrados_hoy: fc.jsonValue({ maxDepth: 1 }) })
    .map((value) => JSON.stringify({ tomado_en: new Date(Date.now() - 60_000).toISOString(), ...value })),
);

// Without bias, so the weights above hold: fast-check otherwise favours each list's first choices.
const request = fc.noBias(fc.record({
  method: fc.oneof(
    { weight: 4, arbitrary: fc.constant("natural" as const) },
    { weight: 2, arbitrary: fc.constantFrom("GET", "POST", "PUT") },
    { weight: 1, arbitrary: fc.constantFrom("HEAD", "DELETE", "PATCH", "OPTIONS", "PROPFIND") },
  ),
  path,
  query,
  authorization,
  contentType,
  body,
  origin: fc.constantFrom(undefined, "https://dashboard.example", "null"),
}));

describe("fuzz over the request surface", () => {
  it("never answers 5xx, always explains an error in JSON, and changes nothing when it refuses", { timeout: 180_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(request, async (input) => {
        const natural = NATURAL[input.path.route] ?? { method: "GET", credential: () => branch.token };
        const method = input.method === "natural" ? natural.method : input.method;
        const authorization = input.authorization === "natural" ? `Bearer ${natural.credential()}` : input.authorization;
        const headers: Record<string, string> = {};
        if (authorization !== undefined) headers.Authorization = authorization;
        if (input.contentType !== undefined) headers["Content-Type"] = input.contentType;
        if (input.origin !== undefined) headers.Origin = input.origin;
        const hasBody = input.body !== undefined && method !== "GET" && method !== "HEAD";

        const before = await branchFingerprint(branch);
        let response: Response;
        try {
          response = await call(`${input.path.url}?${input.query}`, { method, headers, body: hasBody ? input.body : undefined });
        } catch (error) {
          // Only a URL the Request constructor itself refuses may fail before reaching the Worker.
          expect(error).toBeInstanceOf(TypeError);
          return;
        }
        expect(response.status).toBeLessThan(500);
        if (response.status < 400) {
          await response.body?.cancel();
          return;
        }
        if (method !== "HEAD") {
          expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
          const text = await response.text();
          const parsed = JSON.parse(text) as { message?: unknown };
          expect(typeof parsed.message).toBe("string");
          for (const secret of [branch.token, branch.key, ADMIN_TOKEN]) expect(text).not.toContain(secret);
        }
        expect(await branchFingerprint(branch)).toEqual(before);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
