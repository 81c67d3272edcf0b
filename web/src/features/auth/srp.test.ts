// @vitest-environment node
/**
 * Our SRP against AWS's own browser client (amazon-cognito-identity-js, a dev dependency
 * used only here): for the same private value, server value, salt, secret block and time,
 * both must produce the same SRP_A and the same PASSWORD_CLAIM_SIGNATURE. The browser suite
 * then signs in through the local stack's server half (local/srp.py) with this code.
 */
import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
// @ts-expect-error: the library ships no types for its internals
import AuthenticationHelper from "amazon-cognito-identity-js/es/AuthenticationHelper.js";
// @ts-expect-error: idem
import BigInteger from "amazon-cognito-identity-js/es/BigInteger.js";
import { G, N, SrpClient, cognitoTimestamp, modPow, padHex } from "./srp";

type Helper = {
  smallAValue: unknown;
  largeAValue: unknown;
  getLargeAValue(cb: (err: unknown, value: { toString(radix: number): string }) => void): void;
  getPasswordAuthenticationKey(user: string, password: string, B: unknown, salt: unknown, cb: (err: unknown, key: Buffer) => void): void;
};

function referenceClaim(pool: string, aHex: string, userId: string, password: string, saltHex: string, bHex: string, secretBlock: string, timestamp: string) {
  const helper = new AuthenticationHelper(pool) as Helper;
  helper.smallAValue = new BigInteger(aHex, 16);
  helper.largeAValue = undefined;
  let largeA = "";
  helper.getLargeAValue((_err, value) => {
    largeA = value.toString(16);
  });
  let key: Buffer | null = null;
  helper.getPasswordAuthenticationKey(userId, password, new BigInteger(bHex, 16), new BigInteger(saltHex, 16), (_err, hkdf) => {
    key = hkdf;
  });
  // CognitoUser.authenticateUserInternal's signature, over the same bytes.
  const message = Buffer.concat([Buffer.from(pool), Buffer.from(userId), Buffer.from(secretBlock, "base64"), Buffer.from(timestamp)]);
  return { largeA, signature: createHmac("sha256", key!).update(message).digest("base64") };
}

describe("SRP", () => {
  it("pads hex as Cognito hashes numbers", () => {
    expect(padHex(0x1n)).toBe("01");
    expect(padHex(0x7fn)).toBe("7f");
    expect(padHex(0x80n)).toBe("0080");
    expect(padHex(0xabcn)).toBe("0abc");
  });

  it("formats Cognito's timestamp with an unpadded day", () => {
    expect(cognitoTimestamp(new Date("2024-09-03T09:07:05Z"))).toBe("Tue Sep 3 09:07:05 UTC 2024");
    expect(cognitoTimestamp(new Date("2030-12-25T23:00:09Z"))).toBe("Wed Dec 25 23:00:09 UTC 2030");
  });

  for (let round = 0; round < 3; round++) {
    it(`signs the same claim as amazon-cognito-identity-js (random values, round ${round + 1})`, async () => {
      const userPoolId = "eu-west-1_AbCdEf123";
      const pool = "AbCdEf123";
      const aHex = randomBytes(128).toString("hex");
      const saltHex = randomBytes(16).toString("hex");
      const bHex = modPow(G, BigInt(`0x${randomBytes(32).toString("hex")}`), N).toString(16);
      const secretBlock = randomBytes(64).toString("base64");
      const userId = crypto.randomUUID();
      const password = `Pässwörd-${round}-${randomBytes(6).toString("hex")}!`;
      const now = new Date(Date.UTC(2026, round, 1 + round * 5, 8 + round, 3, 7));

      const ours = new SrpClient(userPoolId, BigInt(`0x${aHex}`));
      const claim = await ours.claim({ userIdForSrp: userId, password, saltHex, srpBHex: bHex, secretBlock, now });
      const reference = referenceClaim(pool, aHex, userId, password, saltHex, bHex, secretBlock, claim.TIMESTAMP);

      expect(ours.srpA).toBe(reference.largeA);
      expect(claim.PASSWORD_CLAIM_SIGNATURE).toBe(reference.signature);
      expect(claim.USERNAME).toBe(userId);
      expect(claim.PASSWORD_CLAIM_SECRET_BLOCK).toBe(secretBlock);

      const wrong = await ours.claim({ userIdForSrp: userId, password: `${password}x`, saltHex, srpBHex: bHex, secretBlock, now });
      expect(wrong.PASSWORD_CLAIM_SIGNATURE).not.toBe(reference.signature);
    });
  }

  it("refuses a server value of zero", async () => {
    const client = new SrpClient("us-east-1_Pool", 5n);
    await expect(client.claim({ userIdForSrp: "u", password: "p", saltHex: "01", srpBHex: N.toString(16), secretBlock: "AA==" })).rejects.toThrow();
  });
});
