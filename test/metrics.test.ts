/**
 * docs/prometheus.md: `GET /helpdesk-status/metrics` through the real Worker, KV and branch object:
 * its checks and JSON errors (state unchanged, never a metric for a wrong or revoked token), the
 * families and their labels, figures equal to the status body's at the same version, waits in
 * seconds, label escaping, ETag/304, HEAD, CORS and the shared per-token rate limit.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { admin, alteredSecret, branchFingerprint, call, event, expectError, provisionBranch, push, readStatus, setClock, uniqueName, type TestBranch } from "./helpers";

const FAMILIES = [
  "helpdesk_chats_abiertos", "helpdesk_chats_espera_cliente", "helpdesk_chats_esperando", "helpdesk_chats_cerrados_hoy",
  "helpdesk_espera_maxima_segundos", "helpdesk_espera_promedio_segundos", "helpdesk_primera_respuesta_promedio_segundos",
  "helpdesk_nivel_servicio_ratio", "helpdesk_agente_chats", "helpdesk_agente_chats_esperando",
  "helpdesk_departamento_chats_abiertos", "helpdesk_departamento_chats_esperando", "helpdesk_snapshot_version",
];
const BUCKETS = ["menos_10_minutos", "de_10_a_20_minutos", "de_20_a_30_minutos", "de_30_a_60_minutos", "mas_60_minutos"];

function metricsPath(branch: Pick<TestBranch, "empresa" | "sucursal" | "token">): string {
  return `/helpdesk-status/metrics?${new URLSearchParams({ token: branch.token, empresa: branch.empresa, sucursal: branch.sucursal })}`;
}

type Series = { name: string; labels: Record<string, string>; value: number };

/** Reads the exposition back: comments apart, one sample a line, label values unescaped. */
function parseExposition(text: string): { help: Map<string, string>; types: Map<string, string>; series: Series[] } {
  const help = new Map<string, string>();
  const types = new Map<string, string>();
  const series: Series[] = [];
  expect(text.endsWith("\n")).toBe(true);
  for (const line of text.slice(0, -1).split("\n")) {
    const comment = line.match(/^# (HELP|TYPE) (\S+) (.*)$/);
    if (comment) {
      const map = comment[1] === "HELP" ? help : types;
      expect(map.has(comment[2])).toBe(false);
      map.set(comment[2], comment[3]);
      continue;
    }
    const sample = line.match(/^([a-z_]+)(?:\{(.*)\})? (\S+)$/);
    expect(sample, line).not.toBeNull();
    const labels: Record<string, string> = {};
    for (const [, name, value] of (sample![2] ?? "").matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[name] = value.replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));
    }
    series.push({ name: sample![1], labels, value: Number(sample![3]) });
  }
  return { help, types, series };
}

async function readMetrics(branch: TestBranch) {
  const response = await call(metricsPath(branch));
  expect(response.status).toBe(200);
  return parseExposition(await response.text());
}

function value(series: Series[], name: string, labels: Record<string, string> = {}): number | undefined {
  return series.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

afterEach(() => vi.restoreAllMocks());

describe("GET /helpdesk-status/metrics errors, as the status route's", () => {
  it("names token and empresa when nothing is given, then sucursal", async () => {
    await expectError("/helpdesk-status/metrics", 400, "Faltan parámetros requeridos: token, empresa");
    await expectError("/helpdesk-status/metrics?empresa=a", 400, "Faltan parámetros requeridos: token");
    await expectError("/helpdesk-status/metrics?token=x&empresa=a", 400, "Faltan parámetros requeridos: sucursal");
    await expectError("/helpdesk-status/metrics?empresa=a", 400, "Faltan parámetros requeridos: sucursal", { headers: { Authorization: "Bearer x" } });
  });

  it("rejects identifiers outside the pattern, then unknown branches, then wrong tokens", async () => {
    await expectError("/helpdesk-status/metrics?token=x&empresa=../etc&sucursal=b", 400, "Parámetro inválido: empresa");
    await expectError("/helpdesk-status/metrics?token=x&empresa=a&sucursal=-b", 400, "Parámetro inválido: sucursal");
    await expectError(`/helpdesk-status/metrics?token=x&empresa=${uniqueName()}&sucursal=nope`, 404, "No se encontró configuración para la empresa y sucursal indicadas");
    const branch = await provisionBranch();
    const other = await provisionBranch();
    await expectError(metricsPath({ ...branch, token: alteredSecret(branch.token) }), 401, "Unauthorized: Token no válido");
    await expectError(metricsPath({ ...branch, token: other.token }), 401, "Unauthorized: Token no válido");
  });

  it("never gives a metric to a revoked token, and its errors change nothing", async () => {
    const branch = await provisionBranch();
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 1, estado: "nuevo" }, 3));
    expect((await call(metricsPath(branch))).status).toBe(200);
    const second = await (await admin("POST", `/empresas/${branch.empresa}/sucursales/${branch.sucursal}/tokens`, {})).json<{ token: string }>();
    expect((await admin("DELETE", `/empresas/${branch.empresa}/sucursales/${branch.sucursal}/tokens/${branch.tokenId}`)).status).toBe(204);
    const before = await branchFingerprint({ ...branch, token: second.token });
    const refused = await expectError(metricsPath(branch), 401, "Unauthorized: Token no válido");
    expect(refused.headers.get("ETag")).toBeNull();
    for (const method of ["POST", "PUT", "DELETE"]) {
      const response = await expectError(metricsPath({ ...branch, token: second.token }), 405, "Método no permitido", { method, body: "x" });
      expect(response.headers.get("Allow")).toBe("GET, HEAD, OPTIONS");
    }
    expect(await branchFingerprint({ ...branch, token: second.token })).toEqual(before);
  });

  it("never echoes the token in an error", async () => {
    const branch = await provisionBranch();
    const secret = "s3cr3t-token-value-123";
    const response = await call(metricsPath({ ...branch, token: secret }));
    expect(response.status).toBe(401);
    expect(await response.text()).not.toContain(secret);
  });
});

describe("GET /helpdesk-status/metrics exposition", () => {
  it("answers the text format's content type, every family once as a gauge with a Spanish HELP, zeros included", async () => {
    const branch = await provisionBranch();
    const response = await call(metricsPath(branch));
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const { help, types, series } = parseExposition(await response.text());
    expect([...types.keys()]).toEqual(FAMILIES);
    expect([...help.keys()]).toEqual(FAMILIES);
    for (const name of FAMILIES) expect(types.get(name)).toBe("gauge");
    expect(help.get("helpdesk_chats_esperando")).toMatch(/esperan al negocio/);
    for (const s of series) expect(s.labels).toMatchObject({ empresa: branch.empresa, sucursal: branch.sucursal });
    for (const estado of ["nuevo", "pendiente", "asignado", "icarobot_ia"]) expect(value(series, "helpdesk_chats_abiertos", { estado })).toBe(0);
    for (const tramo of BUCKETS) expect(value(series, "helpdesk_chats_esperando", { tramo })).toBe(0);
    expect(value(series, "helpdesk_nivel_servicio_ratio")).toBe(1);
    expect(value(series, "helpdesk_espera_maxima_segundos")).toBe(0);
    expect(series.filter((s) => s.name.startsWith("helpdesk_agente") || s.name.startsWith("helpdesk_departamento"))).toEqual([]);
  });

  it("gives the status body's figures at the same version, waits in whole seconds", async () => {
    const now = Date.UTC(2026, 10, 24, 15, 0, 0);
    setClock(now);
    const branch = await provisionBranch({ objetivo_respuesta_min: 10 });
    const secondsAgo = (s: number) => s / 60;
    await push(
      branch,
      event(branch, "chat.actualizado", { id_resumen: 1, estado: "nuevo", departamento: "Ventas", nombre_cliente: "Juan Perez", numero_cliente: "+15559876543" }, secondsAgo(4230)),
      event(branch, "chat.actualizado", { id_resumen: 2, estado: "asignado", agente: "ana", departamento: "Soporte" }, secondsAgo(750)),
      event(branch, "chat.actualizado", { id_resumen: 3, estado: "icarobot_ia" }, 5),
      event(branch, "chat.actualizado", { id_resumen: 4, estado: "pendiente", agente: "ana" }, secondsAgo(1875)),
      event(branch, "chat.actualizado", { id_resumen: 5, estado: "asignado", agente: "luis" }, 30),
      event(branch, "chat.mensaje_agente", { id_resumen: 5 }, secondsAgo(1200)),
      event(branch, "chat.actualizado", { id_resumen: 6, estado: "nuevo" }, 3),
      event(branch, "chat.cerrado", { id_resumen: 6 }, 1),
    );
    const status = await readStatus(branch, "&detalle=false");
    const response = await call(metricsPath(branch));
    const text = await response.text();
    const { series } = parseExposition(text);
    const r = status.resumen_general;

    expect(value(series, "helpdesk_snapshot_version")).toBe(status.version);
    expect(value(series, "helpdesk_chats_abiertos", { estado: "nuevo" })).toBe(r.chat_nuevos);
    expect(value(series, "helpdesk_chats_abiertos", { estado: "pendiente" })).toBe(r.chat_pendientes);
    expect(value(series, "helpdesk_chats_abiertos", { estado: "asignado" })).toBe(r.chat_asignados);
    expect(value(series, "helpdesk_chats_abiertos", { estado: "icarobot_ia" })).toBe(r.chat_icarobot_ia);
    expect(value(series, "helpdesk_chats_espera_cliente")).toBe(r.chat_en_espera_del_cliente);
    expect(value(series, "helpdesk_chats_cerrados_hoy")).toBe(r.chat_cerrados);
    const counts = ["chat_tiempo_espera_menos_10min", "chat_tiempo_espera_20min", "chat_tiempo_espera_30min", "chat_tiempo_espera_60min", "chat_tiempo_espera_mas_60min"];
    BUCKETS.forEach((tramo, i) => expect(value(series, "helpdesk_chats_esperando", { tramo })).toBe(r[counts[i]]));
    expect(value(series, "helpdesk_chats_esperando", { tramo: "mas_60_minutos" })).toBe(1);
    expect(value(series, "helpdesk_chats_espera_cliente")).toBe(1);
    expect(value(series, "helpdesk_chats_cerrados_hoy")).toBe(1);

    // Waits of 4230, 750 and 1875 s: not minutes × 60.
    expect(value(series, "helpdesk_espera_maxima_segundos")).toBe(4230);
    expect(value(series, "helpdesk_espera_promedio_segundos")).toBe(Math.round((4230 + 750 + 1875) / 3));
    expect(status.metricas.espera_maxima_min).toBe(70);
    // First responses today: chat 5 answered after 600 s, chat 6 closed unanswered does not count.
    expect(value(series, "helpdesk_primera_respuesta_promedio_segundos")).toBe(Math.round(status.metricas.primera_respuesta_promedio_min * 60));
    expect(value(series, "helpdesk_nivel_servicio_ratio")).toBe(Number((status.metricas.nivel_servicio_pct / 100).toFixed(3)));

    for (const { agente, chats_asignados, chats_esperando } of status.carga_por_agente) {
      expect(value(series, "helpdesk_agente_chats", { agente })).toBe(chats_asignados);
      expect(value(series, "helpdesk_agente_chats_esperando", { agente })).toBe(chats_esperando);
    }
    expect(series.filter((s) => s.name === "helpdesk_agente_chats")).toHaveLength(status.carga_por_agente.length);
    for (const [departamento, figures] of Object.entries(status.por_departamento) as [string, any][]) {
      expect(value(series, "helpdesk_departamento_chats_abiertos", { departamento })).toBe(figures.chat_abiertos);
      expect(value(series, "helpdesk_departamento_chats_esperando", { departamento })).toBe(figures.chat_esperando);
    }
    expect(series.filter((s) => s.name === "helpdesk_departamento_chats_abiertos")).toHaveLength(Object.keys(status.por_departamento).length);

    // No chat id, customer name or number is a label.
    for (const secret of ["Juan Perez", "+15559876543"]) expect(text).not.toContain(secret);
    const labelNames = new Set(series.flatMap((s) => Object.keys(s.labels)));
    expect([...labelNames].sort()).toEqual(["agente", "departamento", "empresa", "estado", "sucursal", "tramo"]);
  });

  it("moves the wait figures with the clock, a second at a time, with no event", async () => {
    const now = Date.UTC(2026, 10, 24, 15, 0, 0);
    setClock(now);
    const branch = await provisionBranch();
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 1, estado: "nuevo" }, 9));
    expect(value((await readMetrics(branch)).series, "helpdesk_espera_maxima_segundos")).toBe(540);
    setClock(now + 61_500);
    const { series } = await readMetrics(branch);
    expect(value(series, "helpdesk_espera_maxima_segundos")).toBe(601);
    expect(value(series, "helpdesk_chats_esperando", { tramo: "de_10_a_20_minutos" })).toBe(1);
    expect(value(series, "helpdesk_chats_esperando", { tramo: "menos_10_minutos" })).toBe(0);
  });

  it("escapes backslashes, double quotes and line feeds in label values", async () => {
    const branch = await provisionBranch();
    const agent = 'ana "la jefa" \\ sur\nnorte';
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 1, estado: "asignado", agente: agent, departamento: 'Ventas "A"' }, 2));
    const response = await call(metricsPath(branch));
    const text = await response.text();
    expect(text).toContain(`helpdesk_agente_chats{empresa="${branch.empresa}",sucursal="${branch.sucursal}",agente="ana \\"la jefa\\" \\\\ sur\\nnorte"} 1\n`);
    expect(text).toContain('departamento="Ventas \\"A\\""} 1\n');
    const { series } = parseExposition(text);
    expect(value(series, "helpdesk_agente_chats", { agente: agent })).toBe(1);
  });
});

describe("GET /helpdesk-status/metrics as a read", () => {
  it("takes the token as a Bearer header, as Prometheus' authorization setting sends it", async () => {
    const branch = await provisionBranch();
    const response = await call(`/helpdesk-status/metrics?empresa=${branch.empresa}&sucursal=${branch.sucursal}`, {
      headers: { Authorization: `Bearer ${branch.token}` },
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("# TYPE helpdesk_snapshot_version gauge");
  });

  it("answers 304 to its ETag, no-cache, HEAD without a body and CORS for any origin", async () => {
    const branch = await provisionBranch();
    const first = await call(metricsPath(branch));
    const etag = first.headers.get("ETag");
    expect(etag).toMatch(/^"/);
    expect(first.headers.get("Cache-Control")).toBe("no-cache");
    expect(first.headers.get("Access-Control-Allow-Origin")).toBe("*");
    const again = await call(metricsPath(branch), { headers: { "If-None-Match": etag! } });
    expect(again.status).toBe(304);
    const head = await call(metricsPath(branch), { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    // An event changes the figures, so the ETag too.
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 1, estado: "nuevo" }));
    const changed = await call(metricsPath(branch), { headers: { "If-None-Match": etag! } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("ETag")).not.toBe(etag);
    expect(value(parseExposition(await changed.text()).series, "helpdesk_chats_abiertos", { estado: "nuevo" })).toBe(1);
  });

  it("answers the CORS preflight without a token", async () => {
    const response = await call("/helpdesk-status/metrics", { method: "OPTIONS", headers: { Origin: "https://grafana.example", "Access-Control-Request-Method": "GET" } });
    expect(response.status).toBe(204);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(response.headers.get("Access-Control-Allow-Headers")?.toLowerCase()).toContain("authorization");
  });

  it("spends the same per-token budget as the status route", async () => {
    const branch = await provisionBranch();
    let refused: Response | undefined;
    // 300 per fixed 60 s window: a window may turn over during the loop, so allow up to two windows.
    for (let i = 0; i < 601 && !refused; i++) {
      const response = await call(`/helpdesk-status/?token=${branch.token}&empresa=${branch.empresa}&sucursal=${branch.sucursal}&detalle=false`, { method: "HEAD" });
      if (response.status === 429) refused = response;
    }
    expect(refused).toBeDefined();
    const metrics = await call(metricsPath(branch));
    if (metrics.status !== 429) return expect.fail(`metrics answered ${metrics.status} after the status route's budget was spent`);
    const seconds = Number(metrics.headers.get("Retry-After"));
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(await metrics.json()).toEqual({ message: `Demasiadas solicitudes, intente de nuevo en ${seconds} segundos` });
  });
});
