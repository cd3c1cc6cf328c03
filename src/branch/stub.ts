/**
 * The one way the Worker reaches a branch's Durable Object: by the name `empresa/sucursal`,
 * created (the first time) near the branch's customers (see location.ts).
 */
import type { BranchConfig } from "../config/store";
import { locationOf } from "./location";

export function branchStub(env: Env, empresa: string, sucursal: string, locationHint?: DurableObjectLocationHint) {
  return env.BRANCH.getByName(`${empresa}/${sucursal}`, locationHint ? { locationHint } : undefined);
}

/** The stub of a configured branch, with its location hint. */
export function branchStubFor(env: Env, config: Pick<BranchConfig, "empresa" | "sucursal" | "zona_horaria" | "ubicacion">) {
  return branchStub(env, config.empresa, config.sucursal, locationOf(config));
}
