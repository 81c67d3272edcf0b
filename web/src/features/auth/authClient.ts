/** The sign-in flows against the user pool, as plain async functions (AuthProvider holds the
 * state): SRP sign-in, the NEW_PASSWORD_REQUIRED step of an invited user's first sign-in, an
 * authenticator code when the user turned MFA on, forgotten passwords, refresh and sign-out. */
import { CognitoError, type CognitoCall } from "./cognito";
import { makeSession, type Session } from "./session";

export type Challenge =
  | { kind: "newPassword"; session: string; userIdForSrp: string; username: string }
  | { kind: "mfaCode"; session: string; userIdForSrp: string; username: string };

export type SignInResult = { kind: "signedIn"; session: Session } | Challenge;

interface AuthResult {
  ChallengeName?: string;
  ChallengeParameters?: Record<string, string>;
  Session?: string;
  AuthenticationResult?: { IdToken: string; AccessToken: string; RefreshToken?: string };
}

export interface CodeDelivery {
  destination: string;
  medium: string;
}

export class AuthClient {
  constructor(
    private readonly call: CognitoCall,
    private readonly userPoolId: string,
    private readonly clientId: string,
  ) {}

  async signIn(username: string, password: string): Promise<SignInResult> {
    // SRP (BigInt arithmetic) is only needed to sign in: its own chunk, not every page's.
    const { SrpClient } = await import("./srp");
    const srp = new SrpClient(this.userPoolId);
    const started = await this.call<AuthResult>("InitiateAuth", {
      ClientId: this.clientId,
      AuthFlow: "USER_SRP_AUTH",
      AuthParameters: { USERNAME: username.trim(), SRP_A: srp.srpA },
    });
    const params = started.ChallengeParameters ?? {};
    if (started.ChallengeName !== "PASSWORD_VERIFIER" || !params.SALT || !params.SRP_B || !params.SECRET_BLOCK || !params.USER_ID_FOR_SRP) {
      throw new CognitoError("UnexpectedChallenge", "The sign-in service asked for something this console cannot answer.");
    }
    const claim = await srp.claim({
      userIdForSrp: params.USER_ID_FOR_SRP,
      password,
      saltHex: params.SALT,
      srpBHex: params.SRP_B,
      secretBlock: params.SECRET_BLOCK,
    });
    const answered = await this.call<AuthResult>("RespondToAuthChallenge", {
      ClientId: this.clientId,
      ChallengeName: "PASSWORD_VERIFIER",
      ChallengeResponses: claim,
    });
    return this.next(answered, params.USER_ID_FOR_SRP, username.trim());
  }

  async completeNewPassword(challenge: Challenge, newPassword: string): Promise<SignInResult> {
    const answered = await this.call<AuthResult>("RespondToAuthChallenge", {
      ClientId: this.clientId,
      ChallengeName: "NEW_PASSWORD_REQUIRED",
      Session: challenge.session,
      ChallengeResponses: { USERNAME: challenge.userIdForSrp, NEW_PASSWORD: newPassword },
    });
    return this.next(answered, challenge.userIdForSrp, challenge.username);
  }

  async answerMfa(challenge: Challenge, code: string): Promise<SignInResult> {
    const answered = await this.call<AuthResult>("RespondToAuthChallenge", {
      ClientId: this.clientId,
      ChallengeName: "SOFTWARE_TOKEN_MFA",
      Session: challenge.session,
      ChallengeResponses: { USERNAME: challenge.userIdForSrp, SOFTWARE_TOKEN_MFA_CODE: code.trim() },
    });
    return this.next(answered, challenge.userIdForSrp, challenge.username);
  }

  async forgotPassword(username: string): Promise<CodeDelivery> {
    const answer = await this.call<{ CodeDeliveryDetails?: { Destination?: string; DeliveryMedium?: string } }>("ForgotPassword", {
      ClientId: this.clientId,
      Username: username.trim(),
    });
    return { destination: answer.CodeDeliveryDetails?.Destination ?? "your e-mail", medium: answer.CodeDeliveryDetails?.DeliveryMedium ?? "EMAIL" };
  }

  async confirmForgotPassword(username: string, code: string, newPassword: string): Promise<void> {
    await this.call("ConfirmForgotPassword", {
      ClientId: this.clientId,
      Username: username.trim(),
      ConfirmationCode: code.trim(),
      Password: newPassword,
    });
  }

  /** New id and access tokens from the refresh token (which Cognito does not rotate). */
  async refresh(session: Session): Promise<Session> {
    const answer = await this.call<AuthResult>("InitiateAuth", {
      ClientId: this.clientId,
      AuthFlow: "REFRESH_TOKEN_AUTH",
      AuthParameters: { REFRESH_TOKEN: session.refreshToken },
    });
    if (!answer.AuthenticationResult) throw new CognitoError("NotAuthorizedException", "The session could not be renewed.");
    return makeSession(answer.AuthenticationResult, this.clientId, session.refreshToken);
  }

  /** Sign out: this browser's refresh token revoked (RevokeToken), or every session of the
   * user (GlobalSignOut). Best effort: the local session ends whatever the answer. */
  async signOut(session: Session, everywhere = false): Promise<void> {
    try {
      if (everywhere) await this.call("GlobalSignOut", { AccessToken: session.accessToken });
      else await this.call("RevokeToken", { ClientId: this.clientId, Token: session.refreshToken });
    } catch {
      /* already revoked, or offline: the tokens are forgotten here anyway */
    }
  }

  private next(answer: AuthResult, userIdForSrp: string, username: string): SignInResult {
    if (answer.AuthenticationResult) return { kind: "signedIn", session: makeSession(answer.AuthenticationResult, this.clientId) };
    const session = answer.Session ?? "";
    const userId = answer.ChallengeParameters?.USER_ID_FOR_SRP ?? userIdForSrp;
    if (answer.ChallengeName === "NEW_PASSWORD_REQUIRED") return { kind: "newPassword", session, userIdForSrp: userId, username };
    if (answer.ChallengeName === "SOFTWARE_TOKEN_MFA") return { kind: "mfaCode", session, userIdForSrp: userId, username };
    throw new CognitoError("UnexpectedChallenge", `The sign-in service asked for ${answer.ChallengeName ?? "something"} this console cannot answer.`);
  }
}
