import { describe, expect, it } from "vitest";
import {
  checkPresignedUrlPlaceholders,
  presignedUrlPlaceholder,
  s3ObjectUrl,
} from "../../src/contracts/presigned-url-placeholder.ts";

const s3Url = s3ObjectUrl({ region: "eu-west-1", bucket: "artifacts", key: "apps/led/1.0.0/a b" });
const documentWith = (url: string) => ({
  version: "1",
  steps: [{ operation: "reboot" }, { operation: "app-update", url }],
});

describe("checkPresignedUrlPlaceholders", () => {
  it("accepts the placeholders the builder writes, for S3 and the sandbox's loopback server", () => {
    expect(checkPresignedUrlPlaceholders(documentWith(presignedUrlPlaceholder(s3Url)))).toEqual({
      ok: true,
    });
    const sandboxUrl = "http://127.0.0.1:4000/artifacts/apps/led/1.0.0/a.tar.gz";
    expect(
      checkPresignedUrlPlaceholders(documentWith(presignedUrlPlaceholder(sandboxUrl))),
    ).toEqual({ ok: true });
    expect(checkPresignedUrlPlaceholders(documentWith("https://example.com/plain"))).toEqual({
      ok: true,
    });
  });

  it.each([
    ["an unclosed placeholder", `\${aws:iot:s3-presigned-url-v2:${s3Url}`, "malformed"],
    ["an unknown form", `\${aws:iot:s3-presigned-url-v3:${s3Url}}`, "malformed"],
    [
      "a URL that does not parse",
      "${aws:iot:s3-presigned-url-v2:not a url}",
      "not an absolute URL",
    ],
    ["an empty URL", "${aws:iot:s3-presigned-url-v2:}", "not an absolute URL"],
    [
      "plain http off loopback",
      "${aws:iot:s3-presigned-url-v2:http://s3.example.com/b/k}",
      "https",
    ],
    [
      "no object",
      "${aws:iot:s3-presigned-url-v2:https://s3.eu-west-1.amazonaws.com/}",
      "no object",
    ],
    ["a broken percent-encoding", "${aws:iot:s3-presigned-url-v2:https://h/b/%zz%}", "percent"],
  ])("refuses %s, naming the step's field and what is wrong", (_name, url, problem) => {
    const check = checkPresignedUrlPlaceholders(documentWith(url));
    expect(check.ok).toBe(false);
    const reason = check.ok ? "" : check.reason;
    expect(reason).toMatch(/^steps\[1\]\.url: /);
    expect(reason).toContain(problem);
  });
});
