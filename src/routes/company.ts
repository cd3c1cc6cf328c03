/**
 * `GET /helpdesk-status/empresa`: every branch of a company at once, with a company token
 * (docs/empresa.md). Checks in the status read's order (missing, invalid, 404 company, 401 token,
 * 429), then the body from a cache of at most one second (http/snapshot-cache.ts) filled by one
 * call to the company's Durable Object, whatever the number of branches; ETag/304, HEAD, CORS.
 */
import { authorizeCompanyRead } from "../auth/company-token";
import { companyStubFor } from "../company/stub";
import { companyCsv, csvHeaders } from "../formats/tables";
import { COMPANY_FRESHNESS_MS, cachedSnapshot, companyCacheKey, etagMatches } from "../http/snapshot-cache";
import { CompanyBody, CompanyQuery } from "../schemas/company";
import { CSV_CONTENT, ETAG_HEADERS, READ_METHODS, preflight, preflightRoute, readCors } from "./read";
import { READ_SECURITY, createRoute, createRouter, errorResponses, methodNotAllowed, requireParams } from "./router";

export const company = createRouter();

company.use("*", readCors);

const companyRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["empresa"],
  summary: "Estado en vivo de todas las sucursales de una empresa",
  description:
    "Con un token de empresa: cada sucursal dada de alta (ordenadas por `sucursal`) con su `resumen_general` y sus `metricas` " +
    "(lo mismo que su estado con `detalle=false`), y los totales de la empresa. También con la barra final. El token va en " +
    "`token` o en `Authorization: Bearer`; un token de sucursal no abre esta consulta. Con `If-None-Match` igual al `ETag` " +
    "actual responde 304. CORS abierto (`*`). Cada sucursal tiene como mucho 1 segundo de retraso respecto de su último evento.",
  security: READ_SECURITY,
  middleware: [requireParams("token", "empresa")],
  request: { query: CompanyQuery },
  responses: {
    200: {
      description: "Las sucursales y los totales (JSON), o una fila por sucursal (`formato=csv`)",
      headers: ETAG_HEADERS,
      content: { "application/json": { schema: CompanyBody }, ...CSV_CONTENT },
    },
    304: { description: "Sin cambios desde el `ETag` enviado en `If-None-Match`" },
    ...errorResponses(400, 401, 404, 405, 429),
  },
});

const csvEtag = (etag: string) => etag.replace(/"$/, '-csv"');

company.openapi(preflightRoute("/"), preflight);

company.openapi(companyRoute, async (c) => {
  const query = c.req.valid("query");
  const { empresa, departamento } = query;
  await authorizeCompanyRead(c, empresa);
  const csv = query.formato === "csv";
  const options = departamento === undefined ? {} : { departamento };
  const body = await cachedSnapshot(
    companyCacheKey(empresa, departamento, csv ? "csv" : "json"),
    async () => {
      const fresh = await companyStubFor(c.env, empresa).serializedRollup(empresa, options);
      return csv ? { etag: csvEtag(fresh.etag), json: companyCsv(JSON.parse(fresh.json)) } : fresh;
    },
    (promise) => c.executionCtx.waitUntil(promise),
    COMPANY_FRESHNESS_MS,
  );
  c.header("Cache-Control", "no-cache");
  c.header("ETag", body.etag);
  if (etagMatches(c.req.header("If-None-Match"), body.etag)) return c.body(null, 304);
  if (csv) return c.body(body.bytes, 200, csvHeaders(`helpdesk-status-${empresa}`));
  c.header("Content-Type", "application/json; charset=UTF-8");
  return c.body(body.bytes);
});

company.all("/", methodNotAllowed(READ_METHODS));
