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
