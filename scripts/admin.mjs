#!/usr/bin/env node
// @ts-check
/**
 * `npm run admin -- <command>`: the operator's CLI over the admin API (docs/operations.md#administration). Provisions
 * branches, issues/imports/revokes read tokens and company tokens, creates/revokes ingest keys, manages
 * alert rules and prints the URLs to hand to a customer. Plain ESM with JSDoc types so it runs on Node 20 as is.
 *
 * Server: HELPDESK_URL (default http://127.0.0.1:8787). Credential: ADMIN_TOKEN from the
 * environment, else from ./.dev.vars (local development). Output: the API's JSON on stdout, or one
 * field of it with `--field NAME`. Exit codes: 0 done, 1 the server refused or was unreachable,
 * 2 wrong usage.
 */
import { existsSync, readFileSync } from "node:fs";

const HELP = `Usage: npm run admin -- <command> [arguments] [options]

Branches
  provision <empresa> <sucursal> [--nombre TEXT] [--zona-horaria IANA] [--objetivo MIN]
                                  create or update a branch
  show <empresa> <sucursal>       its settings and its tokens' ids and labels
  delete <empresa> <sucursal> --yes
                                  deprovision: its tokens stop working, its live state is erased
Read tokens (one per customer, dashboard or screen)
  token:issue <empresa> <sucursal> [--etiqueta TEXT]
                                  generate a token; prints it (shown once) and the customer's URLs
  token:import <empresa> <sucursal> <token> [--etiqueta TEXT]
                                  register an existing token (16+ characters) so old URLs keep working
  token:revoke <empresa> <sucursal> <token-id>
Companies (every branch of an empresa at once, docs/empresa.md)
  company:show <empresa>          its branches and its company tokens' ids and labels
  company:token:issue <empresa> [--etiqueta TEXT]
                                  generate a company token; prints it (shown once) and the company URLs
  company:token:revoke <empresa> <token-id>
Ingest keys (the helpdesk's credential for POST /v1/events)
  key:create <empresa> [--etiqueta TEXT]   prints the key (shown once)
  key:revoke <empresa> <key-id>
Alert rules
  alerts:set <empresa> <sucursal> <rules.json>   replace the rules with {"reglas": [...]} from a file
  alerts:get <empresa> <sucursal>
  alerts:history <empresa> <sucursal>            the last 100 deliveries
URLs
  url <empresa> <sucursal> <token>  the status URL and the wall-monitor URL for that token
  url <empresa> <company-token>     the company URLs: the company view, its CSV and the company wallboard

Options
  --field NAME   print only that field of the answer (for scripts), e.g. --field token
  --help         this text

Environment
  HELPDESK_URL   the service (default http://127.0.0.1:8787)
  ADMIN_TOKEN    the admin secret (default: ADMIN_TOKEN in ./.dev.vars)
`;

/** A failure to report without a stack trace; `code` is the process exit code. */
class CliError extends Error {
  /** @param {string} message @param {number} code */
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

const usage = (/** @type {string} */ message) => new CliError(`${message}\nRun with --help for usage.`, 2);

/**
 * Splits argv into positionals and `--name value` options (`--yes`, `--help` take no value).
 * @param {string[]} argv
 */
function parseArgs(argv) {
  /** @type {string[]} */
  const positional = [];
  /** @type {Record<string, string | true>} */
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const name = arg.slice(2);
    if (name === "yes" || name === "help") {
      options[name] = true;
    } else {
      const value = argv[++i];
      if (value === undefined) throw usage(`--${name} needs a value`);
      options[name] = value;
    }
  }
  return { positional, options };
}

/** @returns {string} */
function adminToken() {
  if (process.env.ADMIN_TOKEN) return process.env.ADMIN_TOKEN;
  if (existsSync(".dev.vars")) {
    const match = /^ADMIN_TOKEN=(.*)$/m.exec(readFileSync(".dev.vars", "utf8"));
    if (match?.[1]?.trim()) return match[1].trim();
  }
  throw new CliError("ADMIN_TOKEN is not set (export it, or run from a checkout with .dev.vars)", 2);
}

const baseUrl = () => (process.env.HELPDESK_URL || "http://127.0.0.1:8787").replace(/\/+$/, "");

/**
 * One admin API call; any non-2xx answer becomes a CliError carrying the API's message.
 * @param {string} method @param {string} path @param {unknown} [body]
 * @returns {Promise<any>}
 */
async function api(method, path, body) {
  const url = `${baseUrl()}/v1/admin${path}`;
  let response;
  try {
    response = await fetch(url, {
      method,
      headers: { Authorization: `Bearer ${adminToken()}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot reach ${baseUrl()}: ${error instanceof Error ? (error.cause ?? error).toString() : error}`, 1);
  }
  const text = await response.text();
  /** @type {any} */
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {}
  if (!response.ok) {
    const details = parsed?.errores?.map((/** @type {any} */ e) => `\n  ${e.campo}: ${e.mensaje}`).join("") ?? "";
    throw new CliError(`${method} ${path} → ${response.status}: ${parsed?.message ?? text}${details}`, 1);
  }
  return parsed;
}

/** @param {string} value @param {string} name */
function identifier(value, name) {
  if (!value) throw usage(`missing <${name}>`);
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(value)) throw usage(`invalid ${name} "${value}": letters, digits, _ and -, up to 64`);
  return encodeURIComponent(value);
}

/** @param {string} empresa @param {string} sucursal */
const branchPath = (empresa, sucursal) =>
  `/empresas/${identifier(empresa, "empresa")}/sucursales/${identifier(sucursal, "sucursal")}`;

/**
 * The URLs a customer gets: the status endpoint (token in the query, as the seed's URL has it) and the
 * wall monitor, whose parameters go in the fragment so the token never reaches server logs.
 * @param {string} empresa @param {string} sucursal @param {string} token
 */
function customerUrls(empresa, sucursal, token) {
  const query = new URLSearchParams({ token, empresa, sucursal }).toString();
  return { url: `${baseUrl()}/helpdesk-status/?${query}`, monitor: `${baseUrl()}/monitor/#${query}` };
}

/**
 * The company URLs for a company token: the view, its CSV for BI tools, the wallboard and the manager's
 * panel, which picks a branch on the page (token in the fragment).
 * @param {string} empresa @param {string} token
 */
function companyUrls(empresa, token) {
  const query = new URLSearchParams({ token, empresa }).toString();
  return {
    url: `${baseUrl()}/helpdesk-status/empresa?${query}`,
    csv: `${baseUrl()}/helpdesk-status/empresa?${query}&formato=csv`,
    monitor: `${baseUrl()}/monitor/#${query}`,
    panel: `${baseUrl()}/panel/#${query}`,
  };
}

/** Tokens are 16 characters or more: a shorter second argument of `url` is a sucursal missing its token. */
const MIN_TOKEN_LENGTH = 16;

/** @param {Record<string, string | true>} options @param {string} name */
function optionalText(options, name) {
  const value = options[name];
  return typeof value === "string" ? value : undefined;
}

/**
 * @param {string} command @param {string[]} args @param {Record<string, string | true>} options
 * @returns {Promise<unknown>}
 */
async function run(command, args, options) {
  const [a, b, c] = args;
  const etiqueta = optionalText(options, "etiqueta");
  switch (command) {
    case "provision": {
      /** @type {Record<string, unknown>} */
      const settings = {};
      if (options.nombre !== undefined) settings.nombre = optionalText(options, "nombre");
      if (options["zona-horaria"] !== undefined) settings.zona_horaria = optionalText(options, "zona-horaria");
      if (options.objetivo !== undefined) {
        const minutes = Number(options.objetivo);
        if (!Number.isFinite(minutes) || minutes <= 0) throw usage("--objetivo must be a positive number of minutes");
        settings.objetivo_respuesta_min = minutes;
      }
      return api("PUT", branchPath(a, b), settings);
    }
    case "show":
      return api("GET", branchPath(a, b));
    case "delete":
      if (!options.yes) throw usage(`delete erases the branch and its live state; add --yes to confirm`);
      await api("DELETE", branchPath(a, b));
      return { eliminada: `${a}/${b}` };
    case "token:issue": {
      const created = await api("POST", `${branchPath(a, b)}/tokens`, etiqueta ? { etiqueta } : {});
      return { ...created, ...customerUrls(a, b, created.token) };
    }
    case "token:import": {
      if (!c) throw usage("missing <token>");
      const created = await api("POST", `${branchPath(a, b)}/tokens`, { token: c, ...(etiqueta ? { etiqueta } : {}) });
      return { ...created, ...customerUrls(a, b, created.token) };
    }
    case "token:revoke":
      if (!c) throw usage("missing <token-id>");
      await api("DELETE", `${branchPath(a, b)}/tokens/${encodeURIComponent(c)}`);
      return { revocado: c };
    case "key:create":
      return api("POST", `/empresas/${identifier(a, "empresa")}/claves-ingesta`, etiqueta ? { etiqueta } : {});
    case "key:revoke":
      if (!b) throw usage("missing <key-id>");
      await api("DELETE", `/empresas/${identifier(a, "empresa")}/claves-ingesta/${encodeURIComponent(b)}`);
      return { revocada: b };
    case "alerts:set": {
      if (!c) throw usage("missing <rules.json>");
      let rules;
      try {
        rules = JSON.parse(readFileSync(c, "utf8"));
      } catch (error) {
        throw new CliError(`cannot read ${c}: ${error instanceof Error ? error.message : error}`, 2);
      }
      return api("PUT", `${branchPath(a, b)}/alertas`, rules);
    }
    case "alerts:get":
      return api("GET", `${branchPath(a, b)}/alertas`);
    case "alerts:history":
      return api("GET", `${branchPath(a, b)}/alertas/historial`);
    case "company:show":
      return api("GET", `/empresas/${identifier(a, "empresa")}`);
    case "company:token:issue": {
      const created = await api("POST", `/empresas/${identifier(a, "empresa")}/tokens`, etiqueta ? { etiqueta } : {});
      return { ...created, ...companyUrls(a, created.token) };
    }
    case "company:token:revoke":
      if (!b) throw usage("missing <token-id>");
      await api("DELETE", `/empresas/${identifier(a, "empresa")}/tokens/${encodeURIComponent(b)}`);
      return { revocado: b };
    case "url":
      if (c === undefined && b !== undefined && b.length >= MIN_TOKEN_LENGTH) {
        identifier(a, "empresa");
        return companyUrls(a, b);
      }
      branchPath(a, b);
      if (!c) throw usage("missing <token>");
      return customerUrls(a, b, c);
    default:
      throw usage(command ? `unknown command "${command}"` : "missing command");
  }
}

async function main() {
  const { positional, options } = parseArgs(process.argv.slice(2));
  if (options.help || positional[0] === "help") {
    process.stdout.write(HELP);
    return;
  }
  const [command, ...args] = positional;
  const result = await run(command, args, options);
  const field = optionalText(options, "field");
  if (field) {
    const value = /** @type {Record<string, unknown>} */ (result)?.[field];
    if (value === undefined) throw new CliError(`the answer has no field "${field}"`, 1);
    process.stdout.write(`${typeof value === "string" ? value : JSON.stringify(value)}\n`);
  } else {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  }
}

main().catch((error) => {
  process.stderr.write(`error: ${error instanceof CliError ? error.message : error}\n`);
  process.exit(error instanceof CliError ? error.code : 1);
});
