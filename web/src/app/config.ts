/** The runtime settings the console reads at start from /admin/config.json: one build serves
 * every stage (the infra stack writes this file at deploy time; `make dev` serves one for the
 * local pool). */
export interface ConsoleConfig {
  /** "" for the console's own origin, else the API's base URL. */
  apiBaseUrl: string;
  region: string;
  userPoolId: string;
  userPoolClientId: string;
  stage: string;
  /** Local only: the local pool's front door (e.g. "/_local/cognito"). */
  cognitoEndpoint?: string;
}

export class ConfigError extends Error {}

export function parseConfig(value: unknown): ConsoleConfig {
  if (typeof value !== "object" || value === null) throw new ConfigError("config.json is not an object");
  const raw = value as Record<string, unknown>;
  const text = (key: string, required = true): string => {
    const found = raw[key];
    if (typeof found === "string" && (found.length > 0 || !required)) return found;
    if (found === undefined && !required) return "";
    throw new ConfigError(`config.json has no ${key}`);
  };
  const config: ConsoleConfig = {
    apiBaseUrl: text("apiBaseUrl", false).replace(/\/+$/, ""),
    region: text("region"),
    userPoolId: text("userPoolId"),
    userPoolClientId: text("userPoolClientId"),
    stage: text("stage"),
  };
  const endpoint = text("cognitoEndpoint", false);
  if (endpoint) config.cognitoEndpoint = endpoint;
  return config;
}

/** Where Cognito's API is: the regional endpoint in AWS, the local front door locally. */
export function cognitoEndpoint(config: ConsoleConfig): string {
  return config.cognitoEndpoint || `https://cognito-idp.${config.region}.amazonaws.com/`;
}

export async function loadConfig(fetcher: typeof fetch = fetch): Promise<ConsoleConfig> {
  // Served with no-store; fetched like the <link rel=preload> in index.html so that one is used.
  const response = await fetcher(`${import.meta.env.BASE_URL}config.json`, { credentials: "same-origin" });
  if (!response.ok) throw new ConfigError(`config.json could not be loaded (HTTP ${response.status})`);
  return parseConfig(await response.json());
}
