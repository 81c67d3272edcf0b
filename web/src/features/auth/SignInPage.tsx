/** Sign-in against the user pool: password (SRP), an invited user's first password, an
 * authenticator code when MFA is on, and a forgotten password reset with an e-mailed code. */
import { useEffect, useState, type FormEvent } from "react";
import { Navigate, useLocation, useNavigate } from "react-router";
import { homeFor } from "../../app/navigation";
import { Button } from "../../components/ui/Button";
import { TextField } from "../../components/ui/Field";
import { useAuth } from "./AuthProvider";
import type { Challenge, SignInResult } from "./authClient";
import { describeCognitoError } from "./cognito";

type Mode = { kind: "signIn" } | { kind: "challenge"; challenge: Challenge } | { kind: "forgot" } | { kind: "reset"; destination: string };

export const PASSWORD_RULES = "At least 12 characters, with upper- and lower-case letters, a number and a symbol.";

/** The pool's policy, checked before asking Cognito (which checks it again). */
export function passwordProblem(password: string): string | null {
  if (password.length < 12) return "Use at least 12 characters.";
  if (!/[a-z]/.test(password) || !/[A-Z]/.test(password)) return "Use upper- and lower-case letters.";
  if (!/[0-9]/.test(password)) return "Add a number.";
  if (!/[^A-Za-z0-9]/.test(password)) return "Add a symbol (for example ! or #).";
  return null;
}

export function SignInPage() {
  const { user, client, signedIn, notice } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [mode, setMode] = useState<Mode>({ kind: "signIn" });
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [newPassword, setNewPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [info, setInfo] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    document.title = "Sign in · OutreachPass";
  }, []);

  if (user) {
    const from = returnPath(location.state, user.sub);
    return <Navigate to={from && from !== "/sign-in" ? from : homeFor(user.role)} replace />;
  }

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (failure) {
      setError(describeCognitoError(failure));
    } finally {
      setBusy(false);
    }
  };

  const handle = (result: SignInResult) => {
    if (result.kind === "signedIn") {
      signedIn(result.session);
      navigate(returnPath(location.state, result.session.user.sub) ?? homeFor(result.session.user.role), { replace: true });
      return;
    }
    setInfo(null);
    setCode("");
    setNewPassword("");
    setConfirm("");
    setMode({ kind: "challenge", challenge: result });
  };

  const submitSignIn = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => handle(await client.signIn(username, password)));
  };

  const submitChallenge = (challenge: Challenge) => (event: FormEvent) => {
    event.preventDefault();
    if (challenge.kind === "newPassword") {
      const problem = passwordProblem(newPassword) ?? (newPassword !== confirm ? "The two passwords are not the same." : null);
      if (problem) return setError(problem);
      void run(async () => handle(await client.completeNewPassword(challenge, newPassword)));
    } else {
      void run(async () => handle(await client.answerMfa(challenge, code)));
    }
  };

  const submitForgot = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const delivery = await client.forgotPassword(username);
      setMode({ kind: "reset", destination: delivery.destination });
    });
  };

  const submitReset = (event: FormEvent) => {
    event.preventDefault();
    const problem = passwordProblem(newPassword) ?? (newPassword !== confirm ? "The two passwords are not the same." : null);
    if (problem) return setError(problem);
    void run(async () => {
      await client.confirmForgotPassword(username, code, newPassword);
      setPassword("");
      setInfo("Your password is changed. Sign in with the new one.");
      setMode({ kind: "signIn" });
    });
  };

  const back = () => {
    setError(null);
    setMode({ kind: "signIn" });
  };

  return (
    <main className="auth-page" id="main">
      <div className="auth-card">
        <p className="auth-brand">OutreachPass</p>
        {mode.kind === "signIn" && (
          <form onSubmit={submitSignIn} noValidate={false}>
            <h1>Sign in</h1>
            {notice && (
              <p className="notice notice-warn" role="status">
                {notice}
              </p>
            )}
            {info && (
              <p className="notice notice-good" role="status">
                {info}
              </p>
            )}
            <TextField label="E-mail address" name="username" type="text" autoComplete="username" inputMode="email" required value={username} onChange={(e) => setUsername(e.target.value)} />
            <TextField label="Password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
            {error && <FormError text={error} />}
            <Button type="submit" variant="primary" busy={busy} className="wide">
              Sign in
            </Button>
            <button type="button" className="link-button" onClick={() => { setError(null); setInfo(null); setMode({ kind: "forgot" }); }}>
              Forgot your password?
            </button>
          </form>
        )}
        {mode.kind === "challenge" && mode.challenge.kind === "newPassword" && (
          <form onSubmit={submitChallenge(mode.challenge)}>
            <h1>Choose your password</h1>
            <p>Welcome! You signed in with a temporary password. Choose the password you will use from now on.</p>
            <TextField label="New password" name="new-password" type="password" autoComplete="new-password" required hint={PASSWORD_RULES} value={newPassword} onChange={(e) => setNewPassword(e.target.value)} />
            <TextField label="New password again" name="confirm-password" type="password" autoComplete="new-password" required value={confirm} onChange={(e) => setConfirm(e.target.value)} />
            {error && <FormError text={error} />}
            <Button type="submit" variant="primary" busy={busy} className="wide">
              Save and sign in
            </Button>
            <button type="button" className="link-button" onClick={back}>
              Back to sign-in
            </button>
          </form>
        )}
        {mode.kind === "challenge" && mode.challenge.kind === "mfaCode" && (
          <form onSubmit={submitChallenge(mode.challenge)}>
            <h1>Enter your code</h1>
            <p>Open your authenticator app and enter the 6-digit code for OutreachPass.</p>
            <TextField label="Code" name="code" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{6}" required value={code} onChange={(e) => setCode(e.target.value)} />
            {error && <FormError text={error} />}
            <Button type="submit" variant="primary" busy={busy} className="wide">
              Verify
            </Button>
            <button type="button" className="link-button" onClick={back}>
              Back to sign-in
            </button>
          </form>
        )}
        {mode.kind === "forgot" && (
          <form onSubmit={submitForgot}>
            <h1>Reset your password</h1>
            <p>We will e-mail you a code to choose a new password.</p>
            <TextField label="E-mail address" name="username" type="text" autoComplete="username" inputMode="email" required value={username} onChange={(e) => setUsername(e.target.value)} />
            {error && <FormError text={error} />}
            <Button type="submit" variant="primary" busy={busy} className="wide">
              Send the code
            </Button>
            <button type="button" className="link-button" onClick={back}>
              Back to sign-in
            </button>
          </form>
        )}
        {mode.kind === "reset" && (
          <form onSubmit={submitReset}>
            <h1>Choose a new password</h1>
            <p role="status">If {username} has an account, a code is on its way to {mode.destination}.</p>
            <TextField label="Code from the e-mail" name="code" inputMode="numeric" autoComplete="one-time-code" required value={code} onChange={(e) => setCode(e.target.value)} />
            <TextField label="New password" name="new-password" type="password" autoComplete="new-password" required hint={PASSWORD_RULES} value={newPassword} onChange={(e) => setNewPassword(e.target.value)} />
            <TextField label="New password again" name="confirm-password" type="password" autoComplete="new-password" required value={confirm} onChange={(e) => setConfirm(e.target.value)} />
            {error && <FormError text={error} />}
            <Button type="submit" variant="primary" busy={busy} className="wide">
              Change the password
            </Button>
            <button type="button" className="link-button" onClick={back}>
              Back to sign-in
            </button>
          </form>
        )}
      </div>
    </main>
  );
}

function FormError({ text }: { text: string }) {
  return (
    <p className="notice notice-bad" role="alert">
      {text}
    </p>
  );
}

/** The page to return to after sign-in: a link opened before anyone signed in, or the page this same
 * user had open; another user who signs in on this browser starts at their own home, not on a page
 * meant for someone else's role. */
export function returnPath(state: unknown, sub: string): string | null {
  const kept = state as { from?: string; sub?: string | null } | null;
  if (!kept?.from || (kept.sub && kept.sub !== sub)) return null;
  return kept.from;
}
