import { DEVICE_LOG_LIMITS } from "@fleet/core/contracts";
import { describe, expect, it } from "vitest";
import { REDACTED, redactLogLine } from "../../../src/logs/redact-log-line.ts";

const KEY_PEM = [
  "-----BEGIN PRIVATE KEY-----",
  "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgVcB/UNPxalR9zDYAjQIf",
  "-----END PRIVATE KEY-----",
].join("\n");
const CERT_PEM = [
  "-----BEGIN CERTIFICATE-----",
  "MIIBszCCAVmgAwIBAgIUQm9ndXMgY2VydGlmaWNhdGUgZm9yIHRlc3RzMAoGCCqGSM49",
  "-----END CERTIFICATE-----",
].join("\n");

describe("redactLogLine", () => {
  it("never lets a private key out, as a field or inside free text", () => {
    const line = JSON.stringify({ msg: "x", privateKey: KEY_PEM });
    expect(redactLogLine(line)).not.toContain("MIGHAgEAMBMG");
    expect(redactLogLine(`dumping ${KEY_PEM} done`)).toBe(`dumping ${REDACTED} done`);
  });

  it("never lets a certificate or a CSR out", () => {
    const line = JSON.stringify({ msg: "rotation.csr", detail: `${CERT_PEM} and more` });
    expect(redactLogLine(line)).not.toContain("MIIBszCCAVmg");
    const csr =
      "-----BEGIN CERTIFICATE REQUEST-----\nMIIBUjCB+QIBADAW\n-----END CERTIFICATE REQUEST-----";
    expect(redactLogLine(csr)).toBe(REDACTED);
  });

  it("redacts a PEM block whose END was cut off", () => {
    expect(redactLogLine("key: -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB")).toBe(
      `key: ${REDACTED}`,
    );
  });

  it("redacts fields named for secrets, whatever they hold", () => {
    const line = JSON.stringify({
      token: "abc",
      apiSecret: "s3cr3t",
      password: "hunter2",
      authorization: "Basic Zm9vOmJhcg==",
      certificatePem: "anything",
      csr: "anything",
      claimKeyFile: { path: "/etc/fleet/claim.key" },
    });
    const redacted = JSON.parse(redactLogLine(line));
    for (const value of Object.values(redacted)) expect(value).toBe(REDACTED);
  });

  it("redacts a secret-named field whose value is nested, and secret fields deep inside", () => {
    const line = JSON.stringify({
      msg: "x",
      credentials: { aws: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", other: "s3cr3t-value" } },
      job: { steps: [{ params: { apiToken: "tok-123" } }] },
    });
    const redacted = redactLogLine(line);
    expect(redacted).not.toMatch(/AKIAIOSFODNN7EXAMPLE|s3cr3t-value|tok-123/);
    expect(JSON.parse(redacted)).toEqual({
      msg: "x",
      credentials: REDACTED,
      job: { steps: [{ params: { apiToken: REDACTED } }] },
    });
  });

  it("redacts secret-named fields in text that is not one JSON object", () => {
    expect(redactLogLine('app said: {"password": "hunter2", "user": "pi"} then')).toBe(
      `app said: {"password": "${REDACTED}", "user": "pi"} then`,
    );
  });

  it("keeps public identifiers that only look like secret names", () => {
    const line = JSON.stringify({ certificateId: "a".repeat(64), keyId: "release-1", msg: "ok" });
    expect(redactLogLine(line)).toBe(line);
  });

  it("strips the credentials of a presigned URL and keeps the rest", () => {
    const url =
      "https://bucket.s3.amazonaws.com/a.tgz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260101&X-Amz-Security-Token=FwoGZXIvYXdz&X-Amz-Signature=deadbeef";
    const redacted = redactLogLine(JSON.stringify({ msg: "download", url }));
    expect(redacted).toContain("X-Amz-Algorithm=AWS4-HMAC-SHA256");
    expect(redacted).not.toMatch(/AKIAIOSFODNN7EXAMPLE|FwoGZXIvYXdz|deadbeef/);
  });

  it("redacts AWS access key ids, bearer tokens and JWTs in free text", () => {
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
    const redacted = redactLogLine(
      `key AKIAIOSFODNN7EXAMPLE header Authorization: Bearer abc.def-ghi jwt ${jwt}`,
    );
    expect(redacted).not.toMatch(/AKIAIOSFODNN7EXAMPLE|abc\.def-ghi|eyJhbGci/);
    expect(redacted).toContain(`Bearer ${REDACTED}`);
  });

  it("cuts a long line to the limit, saying so", () => {
    const redacted = redactLogLine("x".repeat(DEVICE_LOG_LIMITS.maxLineChars * 3));
    expect(redacted).toHaveLength(DEVICE_LOG_LIMITS.maxLineChars);
    expect(redacted.endsWith("…[cut]")).toBe(true);
  });

  it("leaves an ordinary line as it is", () => {
    const line = JSON.stringify({ level: 30, thingName: "sim-0001", msg: "connection.connected" });
    expect(redactLogLine(line)).toBe(line);
  });
});
