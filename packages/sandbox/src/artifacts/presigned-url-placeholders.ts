/**
 * `${aws:iot:s3-presigned-url:<url>}`: the placeholder AWS IoT Jobs replaces with a presigned
 * URL each time it sends a job document to a device (developer guide, "Presigned URLs").
 */
const PLACEHOLDER = /\$\{aws:iot:s3-presigned-url:([^}]+)\}/g;

export function presignedUrlPlaceholder(url: string): string {
  return `\${aws:iot:s3-presigned-url:${url}}`;
}

/**
 * A copy of the document with every placeholder, in any string at any depth, replaced by
 * `sign(url)`; the stored document is left as it is.
 */
export function replacePresignedUrlPlaceholders<T>(document: T, sign: (url: string) => string): T {
  const visit = (value: unknown): unknown => {
    if (typeof value === "string")
      return value.replace(PLACEHOLDER, (_match, url: string) => sign(url));
    if (Array.isArray(value)) return value.map(visit);
    if (typeof value === "object" && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, visit(item)]));
    }
    return value;
  };
  return visit(document) as T;
}
