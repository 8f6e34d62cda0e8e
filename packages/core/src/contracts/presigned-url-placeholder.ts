/**
 * The placeholder AWS IoT Jobs replaces with a presigned S3 URL each time it sends a job
 * document to a device, in the regional v2 form of the AWS IoT developer guide ("Managing jobs",
 * Presigned URLs): `${aws:iot:s3-presigned-url-v2:https://s3.<region>.amazonaws.com/<bucket>/<key>}`.
 * The legacy `${aws:iot:s3-presigned-url:https://s3.amazonaws.com/...}` form names the global
 * endpoint, which does not serve buckets of every region. The sandbox writes the same form
 * around its own artifact URLs and resolves it on delivery.
 */
export const PRESIGNED_URL_PLACEHOLDER_PREFIX = "${aws:iot:s3-presigned-url-v2:";

/** `${aws:iot:s3-presigned-url-v2:<url>}`. */
export function presignedUrlPlaceholder(url: string): string {
  return `${PRESIGNED_URL_PLACEHOLDER_PREFIX}${url}}`;
}

/**
 * The regional path-style URL of an S3 object, its key URL-encoded segment by segment (the
 * slashes stay: they are part of the path), so a key with characters URLs reserve still names
 * the object. The placeholder's URL ends at the first `}`, which the encoding also covers.
 */
export function s3ObjectUrl(object: { region: string; bucket: string; key: string }): string {
  const path = object.key.split("/").map(encodeKeySegment).join("/");
  return `https://s3.${object.region}.amazonaws.com/${object.bucket}/${path}`;
}

/** RFC 3986 encoding, as S3 signs a path: encodeURIComponent leaves `!'()*` as they are. */
function encodeKeySegment(segment: string): string {
  return encodeURIComponent(segment).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * Every placeholder in a string, the legacy `${aws:iot:s3-presigned-url:<url>}` form included
 * (AWS still resolves it): `url` is what stands between the form's colon and the first `}`.
 */
export const PRESIGNED_URL_PLACEHOLDER_PATTERN = /\$\{aws:iot:s3-presigned-url(?:-v2)?:([^}]*)\}/g;

/** Where a placeholder starts: anything from here that is not a whole placeholder is malformed. */
const PLACEHOLDER_START = "${aws:iot:s3-presigned-url";

export type PresignedUrlPlaceholderCheck = { ok: true } | { ok: false; reason: string };

/**
 * Checks every presigned-URL placeholder in a job document, in any string at any depth, as a
 * job is created: a malformed one would only fail when the document is sent to a device (AWS
 * presigns at delivery), long after the operator who wrote it has gone. A placeholder must be
 * closed by `}` and hold an absolute https URL (http on loopback: the sandbox's artifact
 * server) naming an object (a path past `/`) whose percent-encoding decodes. The reason names
 * the document path (`steps[0].url`) and what is wrong.
 */
export function checkPresignedUrlPlaceholders(document: unknown): PresignedUrlPlaceholderCheck {
  const visit = (value: unknown, path: string): string | undefined => {
    if (typeof value === "string") return placeholderIssue(value, path);
    if (typeof value !== "object" || value === null) return undefined;
    const entries: [string, unknown][] = Array.isArray(value)
      ? value.map((item, index) => [`${path}[${index}]`, item])
      : Object.entries(value).map(([key, item]) => [path === "" ? key : `${path}.${key}`, item]);
    for (const [itemPath, item] of entries) {
      const issue = visit(item, itemPath);
      if (issue !== undefined) return issue;
    }
    return undefined;
  };
  const reason = visit(document, "");
  return reason === undefined ? { ok: true } : { ok: false, reason };
}

function placeholderIssue(text: string, path: string): string | undefined {
  const where = path === "" ? "document" : path;
  let wellFormed = 0;
  for (const [, url = ""] of text.matchAll(PRESIGNED_URL_PLACEHOLDER_PATTERN)) {
    wellFormed += 1;
    const issue = urlIssue(url);
    if (issue !== undefined) return `${where}: presigned URL placeholder ${issue}`;
  }
  if (text.split(PLACEHOLDER_START).length - 1 > wellFormed) {
    return `${where}: malformed presigned URL placeholder: expected ${PRESIGNED_URL_PLACEHOLDER_PREFIX}<https URL of an S3 object>}`;
  }
  return undefined;
}

function urlIssue(url: string): string | undefined {
  if (!URL.canParse(url)) return `holds ${JSON.stringify(url.slice(0, 200))}, not an absolute URL`;
  const { protocol, hostname, pathname } = new URL(url);
  const loopback = hostname === "127.0.0.1" || hostname === "localhost" || hostname === "[::1]";
  if (!(protocol === "https:" || (protocol === "http:" && loopback))) {
    return `URL must be https (http only on loopback), not ${protocol}`;
  }
  if (pathname === "/" || pathname === "") return "URL names no object (its path is empty)";
  try {
    decodeURIComponent(pathname);
  } catch {
    return "URL path has an invalid percent-encoding";
  }
  return undefined;
}
