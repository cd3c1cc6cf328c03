/** docs/operations.md#administration: provisioning branches, read tokens and ingest keys. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { admin, call, event, postEvents, provisionBranch, push, readStatus, statusPath, uniqueName } from "./helpers";

const branchPath = (b: { empresa: string; sucursal: string }) => `/empresas/${b.empresa}/sucursales/${b.sucursal}`;

describe("admin authentication", () => {
  it("refuses a missing or wrong ADMIN_TOKEN with 401 and does nothing", async () => {
    const empresa = uniqueName();
    for (const headers of [{}, { Authorization: "Bearer wrong-admin-token" }, { Authorization: "test-admin-token" }] as Record<string, string>[]) {
      const response = await call(`/v1/admin/empresas/${empresa}/sucursales/x`, { method: "PUT", headers, body: "{}" });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ message: "Unauthorized" });
    }
    expect(await env.CONFIG.get(`sucursal:${empresa}/x`)).toBeNull();
  });
});

describe("branches", () => {
  it("creates with 201, updates with 200, and shows its configuration", async () => {
    const empresa = uniqueName();
    const created = await admin("PUT", `/empresas/${empresa}/sucursales/mcbo1`, { nombre: "Maracaibo 1" });
    expect(created.status).toBe(201);
    const updated = await admin("PUT", `/empresas/${empresa}/sucursales/mcbo1`, { zona_horaria: "Europe/Madrid", objetivo_respuesta_min: 5 });
    expect(updated.status).toBe(200);
    const shown = await (await admin("GET", `/empresas/${empresa}/sucursales/mcbo1`)).json();
    expect(shown).toMatchObject({ empresa, sucursal: "mcbo1", nombre: "Maracaibo 1", zona_horaria: "Europe/Madrid", objetivo_respuesta_min: 5, tokens: [] });
  });

  it("rejects an unknown time zone, an unknown field and a bad identifier, storing nothing", async () => {
    const empresa = uniqueName();
    expect((await admin("PUT", `/empresas/${empresa}/sucursales/a`, { zona_horaria: "Mars/Olympus" })).status).toBe(400);
    expect((await admin("PUT", `/empresas/${empresa}/sucursales/a`, { color: "red" })).status).toBe(400);
    expect(await (await admin("PUT", `/empresas/${empresa}/sucursales/a..b`, {})).json()).toEqual({ message: "Parámetro inválido: sucursal" });
    expect((await admin("GET", `/empresas/${empresa}/sucursales/a`)).status).toBe(404);
  });

  it("deprovisioning stops its tokens and erases its live state", async () => {
    const branch = await provisionBranch();
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 1 }));
    expect((await admin("DELETE", branchPath(branch))).status).toBe(204);
    expect((await call(statusPath(branch))).status).toBe(404);
    expect((await admin("GET", branchPath(branch))).status).toBe(404);

    await admin("PUT", branchPath(branch), {});
    const token = await (await admin("POST", `${branchPath(branch)}/tokens`, {})).json<{ token: string }>();
    const body = await readStatus({ ...branch, token: token.token });
    expect(body.resumen_general.chat_abiertos).toBe(0);
    expect((await call(statusPath(branch))).status).toBe(401);
  });
});

describe("read tokens", () => {
  it("generates a token of at least 128 random bits, shown once", async () => {
    const branch = await provisionBranch();
    const response = await admin("POST", `${branchPath(branch)}/tokens`, { etiqueta: "monitor" });
    expect(response.status).toBe(201);
    const { id, token } = await response.json<{ id: string; token: string }>();
    expect(token).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    const shown = await (await admin("GET", branchPath(branch))).json<{ tokens: { id: string; etiqueta: string }[] }>();
    expect(shown.tokens.find((t) => t.id === id)).toMatchObject({ etiqueta: "monitor" });
    expect(JSON.stringify(shown)).not.toContain(token);
  });

  it("imports an existing token so URLs already handed out keep working", async () => {
    const branch = await provisionBranch();
    const imported = await admin("POST", `${branchPath(branch)}/tokens`, { token: "icadasd2cqgx123b" });
    expect(imported.status).toBe(201);
    expect((await call(statusPath({ ...branch, token: "icadasd2cqgx123b" }))).status).toBe(200);
  });

  it("refuses to import a token shorter than 16 characters or one already active", async () => {
    const branch = await provisionBranch();
    expect((await admin("POST", `${branchPath(branch)}/tokens`, { token: "short" })).status).toBe(400);
    expect((await admin("POST", `${branchPath(branch)}/tokens`, { token: branch.token })).status).toBe(409);
  });

  it("keeps several tokens active at once for rotation, and revokes one", async () => {
    const branch = await provisionBranch();
    const second = await (await admin("POST", `${branchPath(branch)}/tokens`, {})).json<{ id: string; token: string }>();
    expect((await call(statusPath(branch))).status).toBe(200);
    expect((await call(statusPath({ ...branch, token: second.token }))).status).toBe(200);

    expect((await admin("DELETE", `${branchPath(branch)}/tokens/${branch.tokenId}`)).status).toBe(204);
    expect((await call(statusPath(branch))).status).toBe(401);
    expect((await call(statusPath({ ...branch, token: second.token }))).status).toBe(200);
    expect((await admin("DELETE", `${branchPath(branch)}/tokens/${branch.tokenId}`)).status).toBe(404);
  });
});

describe("ingest keys", () => {
  it("creates a key shown once that pushes events for its empresa", async () => {
    const branch = await provisionBranch();
    const response = await postEvents(branch.key, event(branch, "chat.actualizado", { id_resumen: 1 }));
    expect(response.status).toBe(200);
    const stored = await env.CONFIG.list({ prefix: "clave-ingesta:" });
    for (const { name } of stored.keys) expect(await env.CONFIG.get(name)).not.toContain(branch.key);
  });

  it("revokes a key: it gets 401 afterwards, even right after a request kept its record in the isolate", async () => {
    const branch = await provisionBranch();
    const id = branch.key.split("_")[1];
    expect((await postEvents(branch.key, event(branch, "chat.actualizado", { id_resumen: 2 }))).status).toBe(200);
    expect((await admin("DELETE", `/empresas/${branch.empresa}/claves-ingesta/${id}`)).status).toBe(204);
    expect((await postEvents(branch.key, event(branch, "chat.actualizado", { id_resumen: 1 }))).status).toBe(401);
  });

  it("cannot revoke another empresa's key", async () => {
    const branch = await provisionBranch();
    const id = branch.key.split("_")[1];
    expect((await admin("DELETE", `/empresas/${uniqueName()}/claves-ingesta/${id}`)).status).toBe(404);
    expect((await postEvents(branch.key, event(branch, "chat.actualizado", { id_resumen: 1 }))).status).toBe(200);
  });
});
