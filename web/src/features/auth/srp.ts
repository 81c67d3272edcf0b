/**
 * Cognito's SRP-6a (USER_SRP_AUTH), the browser's half: the password never leaves the page.
 * The numbers as Cognito (and amazon-cognito-identity-js, which srp.test.ts checks this
 * against) uses them: the RFC 5054 3072-bit group, g = 2, SHA-256, k = H(N | g),
 * u = H(A | B), x = H(salt | H(pool | user | ":" | password)),
 * K = HKDF-SHA256(S, salt = u, info = "Caldera Derived Key")[0..16], and the claim
 * HMAC-SHA256(K, pool | user | secret block | timestamp). Native BigInt and WebCrypto only.
 */

const N_HEX =
  "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
  "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
  "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F" +
  "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
  "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510" +
  "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7" +
  "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C" +
  "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";

export const N = BigInt(`0x${N_HEX}`);
export const G = 2n;
const INFO = new TextEncoder().encode("Caldera Derived Key");

/** Even-length hex, with "00" in front when the first digit has its top bit set. */
export function padHex(value: bigint): string {
  let text = value.toString(16);
  if (text.length % 2) text = `0${text}`;
  if (/^[89a-f]/.test(text)) text = `00${text}`;
  return text;
}

export function hexToBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

export function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
}

async function hmac(key: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  const imported = await crypto.subtle.importKey("raw", key as BufferSource, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", imported, message as BufferSource));
}

async function hashHex(hex: string): Promise<string> {
  return bytesToHex(await sha256(hexToBytes(hex)));
}

export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = ((base % modulus) + modulus) % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    e >>= 1n;
    b = (b * b) % modulus;
  }
  return result;
}

let kValue: Promise<bigint> | null = null;
function k(): Promise<bigint> {
  kValue ??= hashHex(padHex(N) + padHex(G)).then((h) => BigInt(`0x${h}`));
  return kValue;
}

export function poolName(userPoolId: string): string {
  const name = userPoolId.split("_")[1];
  if (!name) throw new Error(`not a user pool id: ${userPoolId}`);
  return name;
}

/** Cognito's TIMESTAMP: "Tue Sep 3 09:07:05 UTC 2024" (English names, day not padded). */
export function cognitoTimestamp(date: Date): string {
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const two = (n: number) => String(n).padStart(2, "0");
  return (
    `${days[date.getUTCDay()]} ${months[date.getUTCMonth()]} ${date.getUTCDate()} ` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} UTC ${date.getUTCFullYear()}`
  );
}

function base64ToBytes(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function bytesToBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

export interface PasswordClaim {
  USERNAME: string;
  PASSWORD_CLAIM_SECRET_BLOCK: string;
  PASSWORD_CLAIM_SIGNATURE: string;
  TIMESTAMP: string;
}

export class SrpClient {
  readonly pool: string;
  readonly a: bigint;
  readonly A: bigint;

  /** `a` is the private value: random (128 bytes) unless a test gives one. */
  constructor(userPoolId: string, a?: bigint) {
    this.pool = poolName(userPoolId);
    if (a === undefined) {
      const random = crypto.getRandomValues(new Uint8Array(128));
      a = BigInt(`0x${bytesToHex(random)}`);
    }
    this.a = a;
    this.A = modPow(G, a, N);
    if (this.A % N === 0n) throw new Error("SRP: bad random value, try again");
  }

  get srpA(): string {
    return this.A.toString(16);
  }

  /** The PASSWORD_VERIFIER answer to Cognito's challenge parameters. */
  async claim(args: { userIdForSrp: string; password: string; saltHex: string; srpBHex: string; secretBlock: string; now?: Date }): Promise<PasswordClaim> {
    const B = BigInt(`0x${args.srpBHex}`);
    if (B % N === 0n) throw new Error("SRP: the server's value is invalid");
    const u = BigInt(`0x${await hashHex(padHex(this.A) + padHex(B))}`);
    if (u === 0n) throw new Error("SRP: the server's value is invalid");
    const inner = bytesToHex(await sha256(new TextEncoder().encode(`${this.pool}${args.userIdForSrp}:${args.password}`)));
    const x = BigInt(`0x${await hashHex(padHex(BigInt(`0x${args.saltHex}`)) + inner)}`);
    const gx = modPow(G, x, N);
    const base = (((B - (await k()) * gx) % N) + N) % N;
    const S = modPow(base, this.a + u * x, N);
    const prk = await hmac(hexToBytes(padHex(u)), hexToBytes(padHex(S)));
    const key = (await hmac(prk, concat(INFO, new Uint8Array([1])))).slice(0, 16);
    const timestamp = cognitoTimestamp(args.now ?? new Date());
    const message = concat(
      new TextEncoder().encode(this.pool),
      new TextEncoder().encode(args.userIdForSrp),
      base64ToBytes(args.secretBlock),
      new TextEncoder().encode(timestamp),
    );
    return {
      USERNAME: args.userIdForSrp,
      PASSWORD_CLAIM_SECRET_BLOCK: args.secretBlock,
      TIMESTAMP: timestamp,
      PASSWORD_CLAIM_SIGNATURE: bytesToBase64(await hmac(key, message)),
    };
  }
}
