/** Cognito's Identity Provider API as a browser calls it: JSON 1.1 over POST with X-Amz-Target,
 * no AWS credentials (these operations are public). The endpoint is the regional one in AWS
 * and the local stack's /_local/cognito locally (config.cognitoEndpoint). */

export class CognitoError extends Error {
  /** Cognito's exception name, e.g. NotAuthorizedException. */
  readonly kind: string;
  constructor(kind: string, message: string) {
    super(message);
    this.name = "CognitoError";
    this.kind = kind;
  }
}

export type CognitoCall = <T = Record<string, unknown>>(operation: string, body: Record<string, unknown>) => Promise<T>;

export function cognitoClient(endpoint: string, fetcher: typeof fetch = (...args) => fetch(...args)): CognitoCall {
  return async <T>(operation: string, body: Record<string, unknown>): Promise<T> => {
    let response: Response;
    try {
      response = await fetcher(endpoint, {
        method: "POST",
        headers: {
          "content-type": "application/x-amz-json-1.1",
          "x-amz-target": `AWSCognitoIdentityProviderService.${operation}`,
        },
        body: JSON.stringify(body),
        cache: "no-store",
      });
    } catch {
      throw new CognitoError("NetworkError", "The sign-in service could not be reached. Check your connection and try again.");
    }
    const text = await response.text();
    let payload: Record<string, unknown> = {};
    try {
      payload = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      payload = {};
    }
    if (!response.ok) {
      const kind = String(payload.__type ?? payload.code ?? `HTTP${response.status}`).split("#").pop() ?? "UnknownError";
      const message = String(payload.message ?? payload.Message ?? `The sign-in service answered HTTP ${response.status}`);
      throw new CognitoError(kind, message);
    }
    return payload as T;
  };
}

/** A sentence a person can act on, for the errors a sign-in form meets. */
export function describeCognitoError(error: unknown): string {
  if (!(error instanceof CognitoError)) return error instanceof Error ? error.message : "Something went wrong. Try again.";
  switch (error.kind) {
    case "NotAuthorizedException":
      if (/disabled/i.test(error.message)) return "This account is disabled. Ask an admin of your organisation to enable it.";
      if (/expired/i.test(error.message) && /session/i.test(error.message)) return "That took too long. Sign in again.";
      if (/temporary password has expired/i.test(error.message)) return "Your temporary password has expired. Ask an admin to invite you again.";
      return "The e-mail address or password is not right.";
    case "UserNotFoundException":
      return "The e-mail address or password is not right.";
    case "PasswordResetRequiredException":
      return "You need to choose a new password: use “Forgot your password?”.";
    case "InvalidPasswordException":
      return `The password is not accepted: ${error.message.replace(/^Password does not conform to policy:\s*/i, "")}`;
    case "CodeMismatchException":
      return "That code is not right. Check the e-mail and try again.";
    case "ExpiredCodeException":
      return "That code has expired or was already used. Ask for a new one.";
    case "LimitExceededException":
    case "TooManyRequestsException":
    case "TooManyFailedAttemptsException":
      return "Too many attempts. Wait a few minutes and try again.";
    default:
      return error.message;
  }
}
