/**
 * The sign-in flows against a Cognito stand-in at the transport (the JSON 1.1 calls a browser
 * makes): SRP sign-in, the invited user's NEW_PASSWORD_REQUIRED step, an MFA code, forgotten
 * passwords, refresh before expiry, and sign-out revoking the refresh token. The SRP numbers
 * themselves are checked in srp.test.ts; the real local pool in the browser suite.
 */
import { act, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ConsoleConfig } from "../../app/config";
import { fakeFetch, idToken, type Recorded } from "../../test/fakeFetch";
import { AuthProvider, useAuth } from "./AuthProvider";
import { AuthClient } from "./authClient";
import { CognitoError, cognitoClient, describeCognitoError } from "./cognito";
import { SESSION_KEY, makeSession } from "./session";
import { SignInPage, passwordProblem, returnPath } from "./SignInPage";

const CONFIG: ConsoleConfig = { apiBaseUrl: "", region: "eu-west-1", userPoolId: "eu-west-1_Pool1", userPoolClientId: "client-1", stage: "test", cognitoEndpoint: "https://cognito.test/" };

type Op = (body: Record<string, unknown>) => { status?: number; body?: unknown };

/** A user pool at the transport: answers by X-Amz-Target, records every call. */
function pool(ops: Record<string, Op>) {
  return fakeFetch((request: Recorded) => {
    const op = (request.headers.get("x-amz-target") ?? "").replace("AWSCognitoIdentityProviderService.", "");
    expect(request.url).toBe(CONFIG.cognitoEndpoint);
    expect(request.headers.get("content-type")).toBe("application/x-amz-json-1.1");
    const handler = ops[op];
    if (!handler) return { status: 400, body: { __type: "UnknownOperationException", message: op } };
    return handler(request.body as Record<string, unknown>);
  });
}

const CHALLENGE = {
  ChallengeName: "PASSWORD_VERIFIER",
  ChallengeParameters: { SALT: "a1b2c3d4e5f60718", SRP_B: "5".repeat(64), SECRET_BLOCK: btoa("secret-block"), USER_ID_FOR_SRP: "uuid-ada", USERNAME: "uuid-ada" },
};
const TOKENS = (role = "admin") => ({ AuthenticationResult: { IdToken: idToken({ "custom:role": role }), AccessToken: "access-1", RefreshToken: "refresh-1", ExpiresIn: 3600 } });
const target = (calls: Recorded[]) => calls.map((c) => c.headers.get("x-amz-target")?.split(".")[1]);

function verifier(answer: () => { status?: number; body?: unknown }): Op {
  return (body) => {
    const responses = body.ChallengeResponses as Record<string, string>;
    expect(body.ChallengeName).toBe("PASSWORD_VERIFIER");
    expect(responses.USERNAME).toBe("uuid-ada");
    expect(responses.PASSWORD_CLAIM_SECRET_BLOCK).toBe(CHALLENGE.ChallengeParameters.SECRET_BLOCK);
    expect(atob(responses.PASSWORD_CLAIM_SIGNATURE!)).toHaveLength(32);
    expect(responses.TIMESTAMP).toMatch(/^[A-Z][a-z]{2} [A-Z][a-z]{2} \d{1,2} \d\d:\d\d:\d\d UTC \d{4}$/);
    return answer();
  };
}

describe("AuthClient", () => {
  it("signs in with SRP and reads the tenant and role from the id token", async () => {
    const fake = pool({
      InitiateAuth: (body) => {
        expect(body).toMatchObject({ ClientId: "client-1", AuthFlow: "USER_SRP_AUTH", AuthParameters: { USERNAME: "ada@example.com" } });
        expect((body.AuthParameters as { SRP_A: string }).SRP_A).toMatch(/^[0-9a-f]{700,}$/);
        expect(JSON.stringify(body)).not.toContain("Sesame"); // the password never leaves the page
        return { body: CHALLENGE };
      },
      RespondToAuthChallenge: verifier(() => ({ body: TOKENS() })),
    });
    const client = new AuthClient(cognitoClient(CONFIG.cognitoEndpoint!, fake.fetch), CONFIG.userPoolId, CONFIG.userPoolClientId);
    const result = await client.signIn(" ada@example.com ", "Open-Sesame-123!");
    expect(result.kind).toBe("signedIn");
    if (result.kind !== "signedIn") return;
    expect(result.session.user).toEqual({ sub: "sub-1", email: "ada@example.com", tenantId: "tenant-1", role: "admin" });
    expect(result.session.refreshToken).toBe("refresh-1");
    expect(target(fake.calls)).toEqual(["InitiateAuth", "RespondToAuthChallenge"]);
  });

  it("takes an invited user through NEW_PASSWORD_REQUIRED and an MFA code", async () => {
    const fake = pool({
      InitiateAuth: () => ({ body: CHALLENGE }),
      RespondToAuthChallenge: (body) => {
        if (body.ChallengeName === "PASSWORD_VERIFIER") return { body: { ChallengeName: "NEW_PASSWORD_REQUIRED", Session: "s-1", ChallengeParameters: { USER_ID_FOR_SRP: "uuid-ada", requiredAttributes: "[]" } } };
        if (body.ChallengeName === "NEW_PASSWORD_REQUIRED") {
          expect(body).toMatchObject({ Session: "s-1", ChallengeResponses: { USERNAME: "uuid-ada", NEW_PASSWORD: "My-Own-Passw0rd!" } });
          return { body: { ChallengeName: "SOFTWARE_TOKEN_MFA", Session: "s-2", ChallengeParameters: {} } };
        }
        expect(body).toMatchObject({ ChallengeName: "SOFTWARE_TOKEN_MFA", Session: "s-2", ChallengeResponses: { USERNAME: "uuid-ada", SOFTWARE_TOKEN_MFA_CODE: "123456" } });
        return { body: TOKENS("user") };
      },
    });
    const client = new AuthClient(cognitoClient(CONFIG.cognitoEndpoint!, fake.fetch), CONFIG.userPoolId, CONFIG.userPoolClientId);
    const first = await client.signIn("ada@example.com", "Temporary-Pass1!");
    expect(first).toMatchObject({ kind: "newPassword", session: "s-1", userIdForSrp: "uuid-ada" });
    if (first.kind === "signedIn") return;
    const second = await client.completeNewPassword(first, "My-Own-Passw0rd!");
    expect(second).toMatchObject({ kind: "mfaCode", session: "s-2" });
    if (second.kind === "signedIn") return;
    const third = await client.answerMfa(second, " 123456 ");
    expect(third.kind === "signedIn" && third.session.user.role).toBe("user");
  });

  it("refreshes keeping the refresh token, and signs out by revoking it (or everywhere)", async () => {
    const fake = pool({
      InitiateAuth: (body) => {
        expect(body).toEqual({ ClientId: "client-1", AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: { REFRESH_TOKEN: "refresh-1" } });
        return { body: { AuthenticationResult: { IdToken: idToken({ email: "renewed@example.com" }), AccessToken: "access-2" } } };
      },
      RevokeToken: (body) => {
        expect(body).toEqual({ ClientId: "client-1", Token: "refresh-1" });
        return { body: {} };
      },
      GlobalSignOut: (body) => {
        expect(body).toEqual({ AccessToken: "access-2" });
        return { body: {} };
      },
    });
    const client = new AuthClient(cognitoClient(CONFIG.cognitoEndpoint!, fake.fetch), CONFIG.userPoolId, CONFIG.userPoolClientId);
    const session = makeSession(TOKENS().AuthenticationResult, "client-1");
    const renewed = await client.refresh(session);
    expect(renewed.refreshToken).toBe("refresh-1");
    expect(renewed.user.email).toBe("renewed@example.com");
    await client.signOut(renewed);
    await client.signOut(renewed, true);
    expect(target(fake.calls)).toEqual(["InitiateAuth", "RevokeToken", "GlobalSignOut"]);
  });

  it("resets a forgotten password with the mailed code", async () => {
    const fake = pool({
      ForgotPassword: (body) => {
        expect(body).toEqual({ ClientId: "client-1", Username: "ada@example.com" });
        return { body: { CodeDeliveryDetails: { Destination: "a***@e***", DeliveryMedium: "EMAIL" } } };
      },
      ConfirmForgotPassword: (body) => {
        expect(body).toEqual({ ClientId: "client-1", Username: "ada@example.com", ConfirmationCode: "654321", Password: "New-Passw0rd-99!" });
        return { body: {} };
      },
    });
    const client = new AuthClient(cognitoClient(CONFIG.cognitoEndpoint!, fake.fetch), CONFIG.userPoolId, CONFIG.userPoolClientId);
    expect(await client.forgotPassword("ada@example.com")).toEqual({ destination: "a***@e***", medium: "EMAIL" });
    await client.confirmForgotPassword("ada@example.com", " 654321", "New-Passw0rd-99!");
  });

  it("says what went wrong in words a person can act on", () => {
    expect(describeCognitoError(new CognitoError("NotAuthorizedException", "Incorrect username or password."))).toBe("The e-mail address or password is not right.");
    expect(describeCognitoError(new CognitoError("NotAuthorizedException", "User is disabled."))).toMatch(/disabled/);
    expect(describeCognitoError(new CognitoError("CodeMismatchException", "x"))).toMatch(/code is not right/);
    expect(passwordProblem("short")).toMatch(/12/);
    expect(passwordProblem("alllowercase-123")).toMatch(/upper/);
    expect(passwordProblem("Good-Passw0rd-Here")).toBeNull();
  });
});

describe("the sign-in page", () => {
  beforeEach(() => localStorage.clear());
  afterEach(() => vi.useRealTimers());

  function Home() {
    const { user } = useAuth();
    return <p>Home of {user?.email}</p>;
  }

  function renderAt(fetcher: typeof fetch) {
    return render(
      <AuthProvider config={CONFIG} fetcher={fetcher}>
        <MemoryRouter initialEntries={["/sign-in"]}>
          <Routes>
            <Route path="/sign-in" element={<SignInPage />} />
            <Route path="/" element={<Home />} />
            <Route path="/events" element={<Home />} />
            <Route path="/scan" element={<Home />} />
          </Routes>
        </MemoryRouter>
      </AuthProvider>,
    );
  }

  it("shows a wrong password's message, then takes an invitee through choosing a password", async () => {
    let attempts = 0;
    const fake = pool({
      InitiateAuth: () => ({ body: CHALLENGE }),
      RespondToAuthChallenge: (body) => {
        if (body.ChallengeName === "PASSWORD_VERIFIER") {
          attempts += 1;
          if (attempts === 1) return { status: 400, body: { __type: "NotAuthorizedException", message: "Incorrect username or password." } };
          return { body: { ChallengeName: "NEW_PASSWORD_REQUIRED", Session: "s-9", ChallengeParameters: { USER_ID_FOR_SRP: "uuid-ada" } } };
        }
        return { body: TOKENS("exhibitor") };
      },
    });
    const user = userEvent.setup();
    renderAt(fake.fetch);
    await user.type(screen.getByLabelText(/E-mail address/), "ada@example.com");
    await user.type(screen.getByLabelText(/^Password/), "wrong");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The e-mail address or password is not right.");

    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("heading", { name: "Choose your password" })).toBeInTheDocument();
    await user.type(screen.getByLabelText(/^New password \*?$/), "weak");
    await user.type(screen.getByLabelText(/New password again/), "weak");
    const before = fake.calls.length;
    await user.click(screen.getByRole("button", { name: "Save and sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Use at least 12 characters.");
    expect(fake.calls.length).toBe(before); // refused here, not sent

    await user.clear(screen.getByLabelText(/^New password \*?$/));
    await user.clear(screen.getByLabelText(/New password again/));
    await user.type(screen.getByLabelText(/^New password \*?$/), "My-Own-Passw0rd!");
    await user.type(screen.getByLabelText(/New password again/), "My-Own-Passw0rd!");
    await user.click(screen.getByRole("button", { name: "Save and sign in" }));
    expect(await screen.findByText("Home of ada@example.com")).toBeInTheDocument();
    expect(JSON.parse(localStorage.getItem(SESSION_KEY)!)).toMatchObject({ clientId: "client-1", refreshToken: "refresh-1" });
  });

  it("renews the tokens five minutes before they expire, and ends the session when Cognito refuses", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const soon = Math.floor(Date.now() / 1000) + 10 * 60;
    localStorage.setItem(SESSION_KEY, JSON.stringify({ ...makeSession({ IdToken: idToken({ exp: soon }), AccessToken: "a", RefreshToken: "r-1" }, "client-1") }));
    let refreshes = 0;
    const fake = pool({
      InitiateAuth: () => {
        refreshes += 1;
        if (refreshes === 1) return { body: { AuthenticationResult: { IdToken: idToken({ exp: soon + 3600 }), AccessToken: "a2" } } };
        return { status: 400, body: { __type: "NotAuthorizedException", message: "Refresh Token has been revoked" } };
      },
    });
    let seen: ReturnType<typeof useAuth> | null = null;
    function Probe() {
      seen = useAuth();
      return <p>{seen.user ? `in as ${seen.user.email}` : `out: ${seen.notice}`}</p>;
    }
    render(
      <AuthProvider config={CONFIG} fetcher={fake.fetch}>
        <Probe />
      </AuthProvider>,
    );
    expect(screen.getByText("in as ada@example.com")).toBeInTheDocument();
    expect(refreshes).toBe(0);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(5 * 60_000 + 1000);
    });
    expect(refreshes).toBe(1);
    expect(seen!.session!.expiresAt).toBe((soon + 3600) * 1000);
    expect(seen!.session!.refreshToken).toBe("r-1");
    await act(async () => {
      await vi.advanceTimersByTimeAsync(3600_000);
    });
    await waitFor(() => expect(screen.getByText(/^out: Your session has ended/)).toBeInTheDocument());
    expect(localStorage.getItem(SESSION_KEY)).toBeNull();
  });
});

describe("returnPath", () => {
  it("returns a link opened before anyone signed in to whoever signs in", () => {
    expect(returnPath({ from: "/events/e1", sub: null }, "user-a")).toBe("/events/e1");
  });
  it("returns the same user to the page they had open", () => {
    expect(returnPath({ from: "/analytics?event=e1", sub: "user-a" }, "user-a")).toBe("/analytics?event=e1");
  });
  it("sends another user to their own home, not to the page the previous user had open", () => {
    expect(returnPath({ from: "/events/e1/attendees", sub: "user-a" }, "user-b")).toBeNull();
  });
  it("has nothing to return to without a kept page", () => {
    expect(returnPath(null, "user-a")).toBeNull();
    expect(returnPath({}, "user-a")).toBeNull();
  });
});
