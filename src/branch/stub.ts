/** The one way the Worker reaches a branch's Durable Object: by the name `empresa/sucursal`. */
export function branchStub(env: Env, empresa: string, sucursal: string) {
  return env.BRANCH.getByName(`${empresa}/${sucursal}`);
}
