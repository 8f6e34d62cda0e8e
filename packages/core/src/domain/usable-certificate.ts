/**
 * Whether a device can still connect with a certificate: ACTIVE and not expired at `now`. An
 * unknown expiry (null) counts as usable: a certificate of unknown validity must not let anyone
 * register the thing again. The one rule behind the hook's one-identity check, the audit's
 * choice of what to rotate and the devices view.
 */
export function isUsableCertificate(
  certificate: { status: string; notAfter: Date | null },
  now: Date,
): boolean {
  return (
    certificate.status === "ACTIVE" &&
    (certificate.notAfter === null || certificate.notAfter.getTime() > now.getTime())
  );
}
