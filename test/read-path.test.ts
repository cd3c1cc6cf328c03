/**
 * docs/guia-api.md#opciones-de-consulta (caching) and #límites (freshness): the 1 s snapshot cache and its keys, ETag/304, HEAD, CORS,
 * the per-token rate limit and the location hint a branch's object is created with.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { locationHintFor } from "../src/branch/location";
import { branchStubFor } from "../src/branch/stub";
import { readBranch, settingsOf } from "../src/config/store";
import { FRESHNESS_MS } from "../src/http/snapshot-cache";
import { admin, call, event, provisionBranch, push, readStatus, seriePath, setClock, statusPath, type TestBranch } from "./helpers";

afterEach(() => vi.restoreAllMocks());


/** Applies an event straight to the branch's object, as another location's Worker would. */
async function applyElsewhere(branch: TestBranch, chat: Record<string, unknown>) {
  const config = (await readBranch(env.CONFIG, branch.empresa, branch.sucursal))!;
  const id = `elsewhere-${crypto.randomUUID()}`;
  await branchStubFor(env, config).applyEvents(settingsOf(config), [
    { id, tipo: "chat.actualizado", at: Date.now(), chat: { id_resumen: 1, ...chat } },
  ]);
}

async function secondToken(branch: TestBranch) {
  const response = await admin("POST", `/empresas/${branch.empresa}/sucursales/${branch.sucursal}/tokens`, {});
  return (await response.json()) as { id: string; token: string };
}

describe("freshness", () => {
  it("shows an event acknowledged through this location on the next read", async () => {
    const branch = await provisionBranch();
    const before = await readStatus(branch);
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 7, estado: "nuevo" }));
    const after = await readStatus(branch);
    expect(after.version).toBe(before.version + 1);
    expect(after.resumen_general.chat_nuevos).toBe(1);
  });

  it("shows a settings change made through this location on the next read", async () => {
    const branch = await provisionBranch();
    await readStatus(branch, "&detalle=false");
    await admin("PUT", `/empresas/${branch.empresa}/sucursales/${branch.sucursal}`, { nombre: "Sede Norte" });
    expect((await readStatus(branch, "&detalle=false")).sucursal.nombre).toBe("Sede Norte");
  });

  it("serves a snapshot at most 1 s older than an event acknowledged elsewhere", async () => {
    const branch = await provisionBranch();
    const cachedAt = Date.now();
    setClock(cachedAt);
    const before = await readStatus(branch, "&detalle=false");
    await applyElsewhere(branch, { estado: "nuevo" });
    // Within the bound the cached copy is served...
    setClock(cachedAt + FRESHNESS_MS - 1);
    expect((await readStatus(branch, "&detalle=false")).version).toBe(before.version);
    // ...and past it, the object's current state.
    setClock(cachedAt + FRESHNESS_MS);
    const after = await readStatus(branch, "&detalle=false");
    expect(after.version).toBe(before.version + 1);
    expect(after.resumen_general.chat_nuevos).toBe(1);
  });
});

describe("cache keys", () => {
  it("asks the object once for many reads within a second, whichever valid token reads", async () => {
    const branch = await provisionBranch();
    const other = await secondToken(branch);
    const put = vi.spyOn(caches.default, "put");
    const started = Date.now();
    const bodies = [];
    for (const [i, token] of [branch.token, other.token, branch.token, other.token].entries()) {
      setClock(started + (i * (FRESHNESS_MS - 1)) / 3);
      bodies.push(await (await call(statusPath({ ...branch, token }))).text());
    }
    expect(put).toHaveBeenCalledTimes(1);
    expect(new Set(bodies).size).toBe(1);
    const keys = put.mock.calls.map(([request]) => (request instanceof Request ? request.url : String(request)));
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).not.toContain(branch.token);
      expect(key).not.toContain(other.token);
    }
  });

  it("refuses a revoked token even while the snapshot is cached", async () => {
    const branch = await provisionBranch();
    const other = await secondToken(branch);
    expect((await call(statusPath(branch))).status).toBe(200);
    const revoked = await admin("DELETE", `/empresas/${branch.empresa}/sucursales/${branch.sucursal}/tokens/${branch.tokenId}`);
    expect(revoked.status).toBe(204);
    expect((await call(statusPath(branch))).status).toBe(401);
    expect((await call(statusPath({ ...branch, token: other.token }))).status).toBe(200);
  });

  it("keeps detail and light snapshots apart", async () => {
    const branch = await provisionBranch();
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 3 }));
    const full = await readStatus(branch);
    const light = await readStatus(branch, "&detalle=false");
    expect(full.detalle_por_tiempo_espera.menos_10_minutos).toHaveLength(1);
    expect(light).not.toHaveProperty("detalle_por_tiempo_espera");
    expect((await readStatus(branch)).detalle_por_tiempo_espera).toBeDefined();
  });

  it("rejects an unknown detalle value", async () => {
    const branch = await provisionBranch();
    const response = await call(statusPath(branch, "&detalle=quizas"));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ message: "Parámetro inválido: detalle" });
  });
});

describe("representations", () => {
  it("never serves the cached JSON for a CSV request, nor the other way round", async () => {
    const branch = await provisionBranch();
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 7, nombre_cliente: "Ana", estado: "nuevo" }, 3));
    const json = await call(statusPath(branch));
    const csv = await call(statusPath(branch, "&formato=csv"));
    const again = await call(statusPath(branch));
    expect(json.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(csv.headers.get("Content-Type")).toMatch(/^text\/csv/);
    expect((await csv.text()).split("\r\n")[0]).toMatch(/^bucket,estado,minutos_espera,/);
    expect(again.headers.get("Content-Type")).toMatch(/^application\/json/);
    expect(csv.headers.get("ETag")).not.toBe(json.headers.get("ETag"));
    expect((await again.json<any>()).resumen_general.chat_nuevos).toBe(1);
  });

  it("keys each department apart", async () => {
    const branch = await provisionBranch();
    await push(
      branch,
      event(branch, "chat.actualizado", { id_resumen: 1, departamento: "Ventas" }),
      event(branch, "chat.actualizado", { id_resumen: 2, departamento: "Soporte" }),
      event(branch, "chat.actualizado", { id_resumen: 3, departamento: "Soporte" }),
    );
    const ventas = await readStatus(branch, "&departamento=Ventas");
    const soporte = await readStatus(branch, "&departamento=Soporte");
    expect(ventas.resumen_general.chat_abiertos).toBe(1);
    expect(soporte.resumen_general.chat_abiertos).toBe(2);
  });
});

describe("conditional requests", () => {
  it("sends an ETag and Cache-Control: no-cache", async () => {
    const branch = await provisionBranch();
    const response = await call(statusPath(branch));
    expect(response.status).toBe(200);
    expect(response.headers.get("ETag")).toMatch(/^"[^"]+"$/);
    expect(response.headers.get("Cache-Control")).toBe("no-cache");
    expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
  });

  it("answers 304 with no body to If-None-Match with the current ETag, weak or strong", async () => {
    const branch = await provisionBranch();
    const etag = (await call(statusPath(branch))).headers.get("ETag")!;
    for (const tag of [etag, `W/${etag}`, `"other", ${etag}`]) {
      const response = await call(statusPath(branch), { headers: { "If-None-Match": tag } });
      expect(response.status).toBe(304);
      expect(response.headers.get("ETag")).toBe(etag);
      expect(response.headers.get("Cache-Control")).toBe("no-cache");
      expect(await response.text()).toBe("");
    }
  });

  it("answers 200 with a new ETag once the snapshot changed", async () => {
    const branch = await provisionBranch();
    const etag = (await call(statusPath(branch))).headers.get("ETag")!;
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 4 }));
    const response = await call(statusPath(branch), { headers: { "If-None-Match": etag } });
    expect(response.status).toBe(200);
    expect(response.headers.get("ETag")).not.toBe(etag);
    expect(((await response.json()) as any).resumen_general.chat_abiertos).toBe(1);
  });

  it("still checks the token before answering 304", async () => {
    const branch = await provisionBranch();
    const etag = (await call(statusPath(branch))).headers.get("ETag")!;
    const response = await call(statusPath({ ...branch, token: "not-a-valid-token-at-all" }), { headers: { "If-None-Match": etag } });
    expect(response.status).toBe(401);
  });
});

describe("HEAD and CORS", () => {
  it("answers HEAD with the GET's status and headers and no body", async () => {
    const branch = await provisionBranch();
    const get = await call(statusPath(branch));
    const head = await call(statusPath(branch), { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("ETag")).toBe(get.headers.get("ETag"));
    expect(head.headers.get("Content-Type")).toBe(get.headers.get("Content-Type"));
    expect(await head.text()).toBe("");
  });

  it("lets any origin read the snapshot and its ETag", async () => {
    const branch = await provisionBranch();
    const response = await call(statusPath(branch), { headers: { Origin: "https://tablero.example" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(response.headers.get("Access-Control-Expose-Headers")).toContain("ETag");
  });

  it("puts the CORS headers on errors too", async () => {
    const branch = await provisionBranch();
    const response = await call(statusPath({ ...branch, token: "not-a-valid-token-at-all" }), { headers: { Origin: "https://tablero.example" } });
    expect(response.status).toBe(401);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
  });

  it("answers a preflight without a token", async () => {
    const response = await call("/helpdesk-status/", {
      method: "OPTIONS",
      headers: {
        Origin: "https://tablero.example",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization, if-none-match",
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(response.headers.get("Access-Control-Allow-Methods")).toContain("GET");
    expect(response.headers.get("Access-Control-Allow-Headers")?.toLowerCase()).toContain("authorization");
    expect(response.headers.get("Access-Control-Allow-Headers")?.toLowerCase()).toContain("if-none-match");
  });
});

describe("per-token rate limit", () => {
  it("answers 429 with Retry-After once a token passes 300 requests in its window, other tokens unaffected", async () => {
    const branch = await provisionBranch();
    const other = await secondToken(branch);
    let served = 0;
    let refused: Response | undefined;
    // 300 per fixed 60 s window: a window may turn over during the loop, so allow up to two windows.
    for (let i = 0; i < 601 && !refused; i++) {
      const response = await call(statusPath(branch, "&detalle=false"), { method: "HEAD" });
      if (response.status === 429) refused = response;
      else served += 1;
    }
    expect(refused).toBeDefined();
    expect(served).toBeGreaterThanOrEqual(300);
    const refusedAgain = await call(statusPath(branch, "&detalle=false"));
    if (refusedAgain.status === 429) {
      const seconds = Number(refusedAgain.headers.get("Retry-After"));
      expect(seconds).toBeGreaterThanOrEqual(1);
      expect(seconds).toBeLessThanOrEqual(60);
      expect(await refusedAgain.json()).toEqual({ message: `Demasiadas solicitudes, intente de nuevo en ${seconds} segundos` });
      expect(refusedAgain.headers.get("Access-Control-Allow-Origin")).toBe("*");
    }
    expect((await call(statusPath({ ...branch, token: other.token }))).status).toBe(200);
  }, 60_000);

  it("keys the limit by the token's id, never the token", async () => {
    const branch = await provisionBranch();
    const limit = vi.spyOn(env.TOKEN_LIMIT, "limit");
    expect((await call(statusPath(branch))).status).toBe(200);
    expect(limit).toHaveBeenCalled();
    for (const [options] of limit.mock.calls) {
      expect(options.key).toContain(branch.tokenId);
      expect(options.key).not.toContain(branch.token);
    }
  });
});

describe("location hint", () => {
  it.each([
    ["America/Caracas", "sam"],
    ["America/Bogota", "sam"],
    ["America/New_York", "enam"],
    ["America/Mexico_City", "enam"],
    ["America/Los_Angeles", "wnam"],
    ["Europe/Madrid", "weur"],
    ["Europe/Moscow", "eeur"],
    ["Asia/Dubai", "me"],
    ["Asia/Tokyo", "apac"],
    ["Australia/Sydney", "oc"],
    ["Africa/Lagos", "afr"],
    ["UTC", undefined],
  ])("places a branch in %s at %s by default", (zone, hint) => {
    expect(locationHintFor(zone)).toBe(hint);
  });

  it("creates the branch's object with its hint, derived from zona_horaria or set as ubicacion", async () => {
    const get = vi.spyOn(env.BRANCH, "getByName");
    const derived = await provisionBranch({ zona_horaria: "Europe/Madrid" });
    const chosen = await provisionBranch({ zona_horaria: "Europe/Madrid", ubicacion: "enam" });
    const hintFor = (branch: TestBranch) =>
      get.mock.calls.find(([name]) => name === `${branch.empresa}/${branch.sucursal}`)?.[1]?.locationHint;
    expect(hintFor(derived)).toBe("weur");
    expect(hintFor(chosen)).toBe("enam");
    const shown = await (await admin("GET", `/empresas/${chosen.empresa}/sucursales/${chosen.sucursal}`)).json();
    expect(shown).toMatchObject({ ubicacion: "enam" });
  });

  it("reaches the branch's object with its hint from every route", async () => {
    const branch = await provisionBranch({ zona_horaria: "Europe/Madrid" });
    const get = vi.spyOn(env.BRANCH, "getByName");
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 1 }));
    await readStatus(branch);
    expect((await call(seriePath(branch))).status).toBe(200);
    const query = new URLSearchParams({ token: branch.token, empresa: branch.empresa, sucursal: branch.sucursal });
    const upgraded = await call(`/helpdesk-status/ws?${query}`, { headers: { Upgrade: "websocket" } });
    expect(upgraded.status).toBe(101);
    upgraded.webSocket!.accept();
    upgraded.webSocket!.close(1000, "");
    expect((await admin("GET", `/empresas/${branch.empresa}/sucursales/${branch.sucursal}/alertas`)).status).toBe(200);
    const calls = get.mock.calls.filter(([name]) => name === `${branch.empresa}/${branch.sucursal}`);
    expect(calls.length).toBeGreaterThanOrEqual(5);
    expect(calls.map(([, options]) => options?.locationHint)).toEqual(calls.map(() => "weur"));
    get.mockRestore();
  });

  it("rejects an unknown ubicacion", async () => {
    const response = await admin("PUT", `/empresas/e-${crypto.randomUUID().slice(0, 8)}/sucursales/s1`, { ubicacion: "luna" });
    expect(response.status).toBe(400);
  });
});
