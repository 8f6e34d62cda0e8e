import type { PanelDefinition } from "./types.ts";

/**
 * Days before expiry at which AWS IoT Device Defender's DEVICE_CERTIFICATE_EXPIRING_CHECK
 * reports a certificate by default (CERT_EXPIRATION_THRESHOLD_IN_DAYS, 30 to 3652: Device
 * Defender developer guide, "Device certificate expiring",
 * https://docs.aws.amazon.com/iot-device-defender/latest/devguide/audit-chk-device-cert-approaching-expiration.html).
 */
const EXPIRING_WITHIN_DAYS = 30;

const NOT_AFTER = "heartbeat.certificateNotAfter";

export const CERTIFICATE_EXPIRY_PANELS: readonly PanelDefinition[] = [
  {
    id: "certificate-expiry.expiring",
    title: `Certificates expiring within ${EXPIRING_WITHIN_DAYS} days`,
    description: `Devices whose current certificate (as last reported) expires in under ${EXPIRING_WITHIN_DAYS} days: the Device Defender DEVICE_CERTIFICATE_EXPIRING_CHECK default threshold. Rotation should keep this at 0.`,
    dashboard: "certificate-expiry",
    kind: "stat",
    scope: "fleet",
    aggregation: "count",
    measures: [
      {
        measure: NOT_AFTER,
        label: "Expiring",
        field: "expiring",
        transform: "days-until-epoch-seconds",
      },
    ],
    unit: "none",
    thresholds: { base: "green", steps: [{ from: 1, color: "red" }] },
    where: { below: EXPIRING_WITHIN_DAYS },
    layout: { width: 8, height: 6 },
  },
  {
    id: "certificate-expiry.per-device",
    title: "Certificate expiry per device",
    description: `The notAfter of each device's certificate, as the device reports it in its heartbeat (${NOT_AFTER}). Devices silent for the whole time range are not listed.`,
    dashboard: "certificate-expiry",
    kind: "table",
    scope: "fleet",
    aggregation: "last",
    measures: [
      {
        measure: NOT_AFTER,
        label: "Not after",
        field: "not_after",
        transform: "epoch-seconds-as-time",
      },
      {
        measure: NOT_AFTER,
        label: "Days left",
        field: "days_left",
        transform: "days-until-epoch-seconds",
        decimals: 1,
        thresholds: {
          base: "red",
          steps: [
            { from: 7, color: "orange" },
            { from: EXPIRING_WITHIN_DAYS, color: "green" },
          ],
        },
      },
    ],
    unit: "none",
    sortBy: "days_left",
    linksTo: "device-detail",
    layout: { width: 16, height: 14 },
  },
];
