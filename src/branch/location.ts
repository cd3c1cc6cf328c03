/**
 * Where a branch's Durable Object should live: near its customers, so ingestion and cache misses
 * do not cross an ocean. An explicit `ubicacion` wins; otherwise it follows from the branch's
 * `zona_horaria`. Cloudflare places an object once, when it is first created: a later change of
 * either setting does not move an object that already exists.
 */
export const LOCATION_HINTS = ["wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"] as const;
export type LocationHint = (typeof LOCATION_HINTS)[number];

/** Zones of the Americas west of the central US, and of South America (Caracas is one). */
const WESTERN_NORTH_AMERICA =
  /^America\/(Los_Angeles|Vancouver|Tijuana|Whitehorse|Dawson|Anchorage|Juneau|Sitka|Nome|Yakutat|Metlakatla|Adak|Denver|Boise|Phoenix|Edmonton|Yellowknife|Inuvik|Cambridge_Bay|Hermosillo|Mazatlan|Ciudad_Juarez|Creston|Dawson_Creek|Fort_Nelson)$/;
const SOUTH_AMERICA =
  /^America\/(Caracas|Bogota|Lima|Guayaquil|La_Paz|Santiago|Punta_Arenas|Argentina\/.+|Buenos_Aires|Cordoba|Mendoza|Montevideo|Asuncion|Sao_Paulo|Fortaleza|Recife|Bahia|Belem|Maceio|Araguaina|Manaus|Cuiaba|Campo_Grande|Porto_Velho|Boa_Vista|Rio_Branco|Eirunepe|Santarem|Noronha|Cayenne|Paramaribo|Guyana)$/;
const EASTERN_EUROPE =
  /^Europe\/(Athens|Bucharest|Chisinau|Helsinki|Istanbul|Kaliningrad|Kiev|Kyiv|Kirov|Minsk|Moscow|Riga|Samara|Saratov|Simferopol|Sofia|Tallinn|Ulyanovsk|Vilnius|Volgograd|Warsaw|Astrakhan|Mariehamn)$/;
const MIDDLE_EAST =
  /^Asia\/(Dubai|Riyadh|Qatar|Kuwait|Bahrain|Muscat|Aden|Baghdad|Tehran|Jerusalem|Tel_Aviv|Beirut|Amman|Damascus|Gaza|Hebron|Nicosia|Famagusta)$/;

export function locationHintFor(timeZone: string): LocationHint | undefined {
  if (WESTERN_NORTH_AMERICA.test(timeZone)) return "wnam";
  if (SOUTH_AMERICA.test(timeZone)) return "sam";
  if (/^(America|Canada|US)\/|^Atlantic\/Bermuda$/.test(timeZone)) return "enam";
  if (/^Pacific\/Honolulu$/.test(timeZone)) return "wnam";
  if (EASTERN_EUROPE.test(timeZone)) return "eeur";
  if (/^(Europe|Atlantic)\//.test(timeZone)) return "weur";
  if (MIDDLE_EAST.test(timeZone)) return "me";
  if (/^Africa\//.test(timeZone)) return "afr";
  if (/^(Asia|Indian)\//.test(timeZone)) return "apac";
  if (/^(Australia|Pacific|Antarctica)\//.test(timeZone)) return "oc";
  return undefined; // UTC and the like: let Cloudflare place it near the first request.
}

/** The hint a branch's object is created with. */
export function locationOf(config: { zona_horaria: string; ubicacion?: LocationHint }): LocationHint | undefined {
  return config.ubicacion ?? locationHintFor(config.zona_horaria);
}
