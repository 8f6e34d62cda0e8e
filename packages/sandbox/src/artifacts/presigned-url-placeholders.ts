import { PRESIGNED_URL_PLACEHOLDER_PATTERN } from "@fleet/core/contracts";

/**
 * The sandbox's side of the presigned-URL placeholder AWS IoT Jobs replaces each time it sends
 * a job document to a device (core's `presignedUrlPlaceholder`: the regional v2 form,
 * `${aws:iot:s3-presigned-url-v2:<url>}`). The legacy `${aws:iot:s3-presigned-url:<url>}`,
 * which AWS still resolves, is resolved too, so documents a sandbox stored before keep working.
 * Core's module both builds and parses them, so what a job is checked against at creation
 * (`checkPresignedUrlPlaceholders`) is what is replaced here.
 *
 * A copy of the document with every placeholder, in any string at any depth, replaced by
 * `sign(url)`; the stored document is left as it is.
 */
export function replacePresignedUrlPlaceholders<T>(document: T, sign: (url: string) => string): T {
  const visit = (value: unknown): unknown => {
    if (typeof value === "string")
      return value.replace(PRESIGNED_URL_PLACEHOLDER_PATTERN, (_match, url: string) => sign(url));
    if (Array.isArray(value)) return value.map(visit);
    if (typeof value === "object" && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, visit(item)]));
    }
    return value;
  };
  return visit(document) as T;
}
