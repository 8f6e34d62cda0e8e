import { describe, expect, it } from "vitest";
import {
  CreateCertificateFromCsrAcceptedSchema,
  CreateCertificateFromCsrRequestSchema,
  ProvisioningErrorResponseSchema,
  RegisterThingAcceptedSchema,
  RegisterThingRequestSchema,
} from "../../src/contracts/fleet-provisioning.ts";
import { parseMessage } from "../../src/contracts/parse-message.ts";
import { createCertificateFromCsrTopics, registerThingTopics } from "../../src/contracts/topics.ts";
import { fixture, fixtureJson, violation } from "./support.ts";

// Payload shapes: AWS IoT developer guide, "Device provisioning MQTT API".
const csrTopics = createCertificateFromCsrTopics();
const provisionTopics = registerThingTopics("fleet-template");

describe("fleet provisioning contracts", () => {
  it("accepts the payloads of AWS's CreateCertificateFromCsr exchange", () => {
    const request = parseMessage(
      CreateCertificateFromCsrRequestSchema,
      fixture("create-certificate-from-csr-request.json"),
      csrTopics.request,
    );
    expect(request.certificateSigningRequest).toContain("BEGIN CERTIFICATE REQUEST");
    const accepted = parseMessage(
      CreateCertificateFromCsrAcceptedSchema,
      fixture("create-certificate-from-csr-accepted.json"),
      csrTopics.accepted,
    );
    expect(accepted.certificateId).toHaveLength(64);
  });

  it("accepts the payloads of AWS's RegisterThing exchange", () => {
    expect(
      parseMessage(
        RegisterThingRequestSchema,
        fixture("register-thing-request.json"),
        provisionTopics.request,
      ).parameters,
    ).toEqual({ SerialNumber: "rpi-0001" });
    expect(
      parseMessage(
        RegisterThingAcceptedSchema,
        fixture("register-thing-accepted.json"),
        provisionTopics.accepted,
      ),
    ).toEqual({ deviceConfiguration: { Fallback: "No" }, thingName: "rpi-0001" });
  });

  it("accepts a RegisterThing request without parameters", () => {
    expect(RegisterThingRequestSchema.parse({ certificateOwnershipToken: "token" })).toEqual({
      certificateOwnershipToken: "token",
    });
  });

  it("accepts the rejected reply of either request", () => {
    expect(
      parseMessage(
        ProvisioningErrorResponseSchema,
        fixture("provisioning-rejected.json"),
        csrTopics.rejected,
      ),
    ).toMatchObject({ statusCode: 403, errorCode: "AccessDenied" });
  });

  it("rejects a CSR that is not PEM, naming the field", () => {
    const error = violation(() =>
      parseMessage(
        CreateCertificateFromCsrRequestSchema,
        JSON.stringify({ certificateSigningRequest: "MIIBszCCAVkCAQAw" }),
        csrTopics.request,
      ),
    );
    expect(error.message).toContain(csrTopics.request);
    expect(error.message).toContain(
      "certificateSigningRequest: expected a PEM certificate signing request",
    );
  });

  it("rejects a certificate id that is not 64 hex characters", () => {
    const payload = {
      ...fixtureJson("create-certificate-from-csr-accepted.json"),
      certificateId: "abc",
    };
    const error = violation(() =>
      parseMessage(
        CreateCertificateFromCsrAcceptedSchema,
        JSON.stringify(payload),
        csrTopics.accepted,
      ),
    );
    expect(error.issues).toEqual([
      { path: "certificateId", message: "a certificate id is 64 hexadecimal characters" },
    ]);
  });

  it("rejects a parameter that is not a string, naming the parameter", () => {
    const payload = { certificateOwnershipToken: "token", parameters: { SerialNumber: 1234 } };
    const error = violation(() =>
      parseMessage(RegisterThingRequestSchema, JSON.stringify(payload), provisionTopics.request),
    );
    expect(error.issues.map((issue) => issue.path)).toEqual(["parameters.SerialNumber"]);
  });

  it("rejects an accepted reply without a thing name", () => {
    const error = violation(() =>
      parseMessage(
        RegisterThingAcceptedSchema,
        JSON.stringify({ deviceConfiguration: {} }),
        provisionTopics.accepted,
      ),
    );
    expect(error.message).toContain("thingName:");
  });

  it("rejects an error reply whose status code is not a number", () => {
    const payload = { ...fixtureJson("provisioning-rejected.json"), statusCode: "403" };
    const error = violation(() =>
      parseMessage(ProvisioningErrorResponseSchema, JSON.stringify(payload), csrTopics.rejected),
    );
    expect(error.issues.map((issue) => issue.path)).toEqual(["statusCode"]);
  });
});
