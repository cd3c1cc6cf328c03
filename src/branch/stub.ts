/**
 * The one way the Worker reaches a branch's Durable Object: by the name `empresa/sucursal`,
 * created (the first time) near the branch's customers (see location.ts).
 */
import type { BranchConfig } from "../config/store";
import { locationOf } from "./location";

/** The stub of a configured branch, with its location hint. */
export function branchStubFor(env: Env, config: Pick<BranchConfig, "empresa" | "sucursal" | "zona_horaria" | "ubicacion">) {
  const locationHint = locationOf(config);
  return env.BRANCH.getByName(`${config.empresa}/${config.sucursal}`, locationHint ? { locationHint } : undefined);
}
