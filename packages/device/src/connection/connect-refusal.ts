/**
 * Which ends of a connection attempt mean that the broker refused the device itself (its
 * certificate, its client id or its policy), as opposed to a network fault or a busy broker.
 * Refusals are counted (`refusalLimit`) and end a credential switch (`switchCredentials`).
 */

/**
 * CONNACK codes that refuse the client: MQTT 3.1.1 2 (identifier rejected), 4 (bad user name or
 * password), 5 (not authorized), and their MQTT 5 reason codes 0x85, 0x86, 0x87, 0x8A (banned).
 * AWS IoT Core answers an MQTT 3.1.1 client it does not authorize with 5 or by closing the
 * connection (see `closedBeforeConnack`).
 */
const REFUSING_CODES = new Set([2, 4, 5, 0x85, 0x86, 0x87, 0x8a]);

/**
 * Every CONNACK code MQTT 3.1.1 (0-5) or MQTT 5 (0, 0x80-0x9F) defines. Any other (3.1.1 reserves
 * 6-255) comes from a broker outside the specification and is taken as a refusal: "CONNACK 7"
 * reported against AWS IoT Core is espMqttClient's own `TCP_DISCONNECTED = 7`
 * (github.com/bertmelis/espMqttClient/issues/116, "AWS is just closing the TCP connection"),
 * i.e. a close before CONNACK.
 */
const DEFINED_CODES = new Set([
  0, 1, 2, 3, 4, 5, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x90,
  0x95, 0x97, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9f,
]);

/**
 * True for a CONNACK return code that refuses the client; false for accepted (0), for "try
 * later" (3 server unavailable, MQTT 5 server busy, quota or connection rate exceeded, use
 * another server) and for protocol errors, which a new certificate would not fix.
 */
export function isRefusingConnack(returnCode: number): boolean {
  return REFUSING_CODES.has(returnCode) || !DEFINED_CODES.has(returnCode);
}
