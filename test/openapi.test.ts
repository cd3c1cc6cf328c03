/**
 * `GET /openapi.json` (docs/guia-api.md#referencia-interactiva) documents every route of the app and nothing else, with the
 * documented errors and security. The document is also checked against the OpenAPI 3.1 JSON schema
 * in test-e2e/cli-and-bot.e2e.mjs (the validator needs Node: it compiles schemas with `new Function`,
 * which workerd forbids).
 */
import { describe, expect, it } from "vitest";
import app from "../src/index";
import { BranchView } from "../src/schemas/admin";
import { StatusBody } from "../src/schemas/status";
import { admin, call, provisionBranch, statusPath } from "./helpers";

type Operation = {
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string }[];
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
};
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
};

const METHODS = ["get", "put", "post", "delete", "patch", "options"];

/** Routes reachable without a credential. */
const PUBLIC = new Set([
  "GET /health",
  "GET /openapi.json",
  "GET /docs",
  "GET /docs/{archivo}",
  "GET /monitor",
  "GET /panel",
  "GET /panel/{archivo}",
  "OPTIONS /helpdesk-status",
  "OPTIONS /helpdesk-status/serie",
  "OPTIONS /helpdesk-status/empresa",
  "OPTIONS /helpdesk-status/metrics",
]);

/** `METHOD /path/{param}` without a trailing slash, from either notation. */
function routeKey(method: string, path: string): string {
  const normalized = path.replace(/:([A-Za-z_]+)/g, "{$1}").replace(/(.)\/$/, "$1");
  return `${method.toUpperCase()} ${normalized}`;
}

async function readDocument(): Promise<Document> {
  const response = await call("/openapi.json");
  expect(response.status).toBe(200);
  expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
  return response.json();
}

function operations(document: Document): [string, string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => [method, path, operation] as [string, string, Operation]),
  );
}

/** The app's real endpoints: `ALL` entries are middleware and 405 fallbacks, not endpoints. */
function appRoutes(): Set<string> {
  return new Set(app.routes.filter((route) => route.method !== "ALL").map((route) => routeKey(route.method, route.path)));
}

describe("GET /openapi.json", () => {
  it("serves an OpenAPI 3.1 document", async () => {
    const document = await readDocument();
    expect(document.openapi).toBe("3.1.0");
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual(["adminToken", "claveIngesta", "tokenBearer", "tokenQuery"]);
  });

  it("documents every route of the app", async () => {
    const documented = new Set(operations(await readDocument()).map(([method, path]) => routeKey(method, path)));
    const undocumented = [...appRoutes()].filter((route) => !documented.has(route));
    expect(undocumented).toEqual([]);
  });

  it("documents no route the app lacks", async () => {
    const real = appRoutes();
    const documented = operations(await readDocument()).map(([method, path]) => routeKey(method, path));
    expect(documented.filter((route) => !real.has(route))).toEqual([]);
  });

  it("resolves every $ref to a component schema", async () => {
    const document = await readDocument();
    const refs = JSON.stringify(document).match(/"\$ref":"[^"]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      const name = /#\/components\/schemas\/(.+)"$/.exec(ref)?.[1];
      expect(name && document.components.schemas[name], ref).toBeTruthy();
    }
  });

  it("declares each path parameter of each route", async () => {
    for (const [method, path, operation] of operations(await readDocument())) {
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]).sort();
      const declared = (operation.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name).sort();
      expect(declared, `${method} ${path}`).toEqual(inPath);
    }
  });

  it("gives every error status the API's JSON error body, and 500 on every route", async () => {
    for (const [method, path, operation] of operations(await readDocument())) {
      expect(Object.keys(operation.responses), `${method} ${path}`).toContain("500");
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400) continue;
        const ref = response.content?.["application/json"]?.schema?.$ref;
        expect(ref, `${method} ${path} ${status}`).toMatch(/^#\/components\/schemas\/(Error|ErrorValidacion)$/);
      }
    }
  });

  it("requires the right credential on each route", async () => {
    for (const [method, path, operation] of operations(await readDocument())) {
      const key = routeKey(method, path);
      const schemes = (operation.security ?? []).flatMap((requirement) => Object.keys(requirement)).sort();
      const expected = PUBLIC.has(key)
        ? []
        : path.startsWith("/v1/admin/")
          ? ["adminToken"]
          : path.startsWith("/v1/")
            ? ["claveIngesta"]
            : ["tokenBearer", "tokenQuery"];
      expect(schemes, key).toEqual(expected);
      if (!PUBLIC.has(key)) expect(Object.keys(operation.responses), key).toContain("401");
    }
  });

  it("describes the status route with its query options and its 429 and 405 headers", async () => {
    const operation = (await readDocument()).paths["/helpdesk-status/"].get as Operation & {
      responses: Record<string, { headers?: Record<string, unknown> }>;
    };
    expect((operation.parameters ?? []).map((p) => p.name).sort()).toEqual(["departamento", "detalle", "empresa", "formato", "sucursal"]);
    expect(Object.keys(operation.responses["429"].headers ?? {})).toEqual(["Retry-After"]);
    expect(Object.keys(operation.responses["405"].headers ?? {})).toEqual(["Allow"]);
  });

  it("describes the metrics route as Prometheus text, with its parameters and the read errors", async () => {
    const operation = (await readDocument()).paths["/helpdesk-status/metrics"].get as Operation & {
      responses: Record<string, { content?: Record<string, { example?: string }> }>;
    };
    expect((operation.parameters ?? []).map((p) => p.name).sort()).toEqual(["empresa", "sucursal"]);
    expect(Object.keys(operation.responses["200"].content ?? {})).toEqual(["text/plain"]);
    expect(operation.responses["200"].content?.["text/plain"].example).toContain("# TYPE helpdesk_chats_esperando gauge");
    expect(Object.keys(operation.responses).sort()).toEqual(["200", "304", "400", "401", "404", "405", "429", "500"]);
  });
});

/** A component's schema, following one `$ref`. */
function resolve(document: Document, schema: { $ref?: string } | undefined): Record<string, any> | undefined {
  const name = schema?.$ref?.replace("#/components/schemas/", "");
  return (name ? document.components.schemas[name] : schema) as Record<string, any> | undefined;
}

describe("the document speaks Spanish and shows examples", () => {
  it("gives every operation a summary, and every parameter a description", async () => {
    for (const [method, path, operation] of operations(await readDocument())) {
      const { summary, parameters = [] } = operation as Operation & { summary?: string; parameters?: { name: string; description?: string }[] };
      expect(summary, `${method} ${path}`).toBeTruthy();
      for (const parameter of parameters) expect(parameter.description, `${method} ${path} ${parameter.name}`).toBeTruthy();
    }
  });

  it("describes every error status", async () => {
    for (const [method, path, operation] of operations(await readDocument())) {
      for (const [status, response] of Object.entries(operation.responses)) {
        expect((response as { description?: string }).description, `${method} ${path} ${status}`).toBeTruthy();
      }
    }
  });

  it("gives every JSON success response an example", async () => {
    const document = await readDocument();
    for (const [method, path, operation] of operations(document)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!status.startsWith("2")) continue;
        const media = response.content?.["application/json"] as { schema?: { $ref?: string }; example?: unknown } | undefined;
        if (!media) continue;
        expect(media.example ?? resolve(document, media.schema)?.example, `${method} ${path} ${status}`).toBeDefined();
      }
    }
  });

  it("describes every field of every component", async () => {
    const document = await readDocument();
    const undescribed: string[] = [];
    for (const [name, schema] of Object.entries(document.components.schemas) as [string, Record<string, any>][]) {
      for (const [field, property] of Object.entries((schema.properties ?? {}) as Record<string, Record<string, any>>)) {
        if (!property.description && !property.$ref) undescribed.push(`${name}.${field}`);
      }
    }
    expect(undescribed).toEqual([]);
  });

  it("shows the status route with the seed's own figures as its example", async () => {
    const document = await readDocument();
    const example = resolve(document, { $ref: "#/components/schemas/EstadoHelpdesk" })?.example;
    expect(example.resumen_general).toMatchObject({ chat_nuevos: 15, chat_pendientes: 5, chat_asignados: 22, chat_icarobot_ia: 8, chat_abiertos: 50 });
    expect(StatusBody.strict().safeParse(example).error).toBeUndefined();
  });
});

describe("the documented response schemas describe the real responses", () => {
  it("a real status body parses with StatusBody", async () => {
    const branch = await provisionBranch();
    const body = await (await call(statusPath(branch))).json();
    expect(StatusBody.strict().safeParse(body).error).toBeUndefined();
  });

  it("a real branch as shown to an administrator parses with BranchView", async () => {
    const branch = await provisionBranch({ nombre: "Documentada" });
    const body = await (await admin("GET", `/empresas/${branch.empresa}/sucursales/${branch.sucursal}`)).json();
    expect(BranchView.strict().safeParse(body).error).toBeUndefined();
  });
});

describe("query parameters in the document", () => {
  it("marks empresa and sucursal required and the options optional, each with its description", async () => {
    const parameters = ((await readDocument()).paths["/helpdesk-status/"].get.parameters ?? []) as { name: string; required?: boolean; description?: string }[];
    const required = Object.fromEntries(parameters.map((p) => [p.name, Boolean(p.required)]));
    expect(required).toEqual({ empresa: true, sucursal: true, departamento: false, detalle: false, formato: false });
    for (const parameter of parameters) expect(parameter.description, parameter.name).toBeTruthy();
  });
});
