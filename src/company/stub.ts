/** The one way to reach a company's Durable Object: by its `empresa`. */
export function companyStubFor(env: Env, empresa: string) {
  return env.COMPANY.getByName(empresa);
}
