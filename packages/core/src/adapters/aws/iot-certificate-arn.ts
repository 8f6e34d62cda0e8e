/** A thing's principals are certificate ARNs (`arn:aws:iot:<region>:<account>:cert/<id>`) or other identities. */
export function certificateIdFromArn(principal: string): string | undefined {
  return /^arn:[\w-]+:iot:[\w-]*:\d*:cert\/([0-9a-f]+)$/.exec(principal)?.[1];
}
