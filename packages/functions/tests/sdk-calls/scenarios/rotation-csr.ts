import { GetCertificateCommand, IssueCertificateCommand } from "@aws-sdk/client-acm-pca";
import { fixture, context as lambdaContext } from "../../unit/lambda-test-kit.ts";
import { deviceCsrPem } from "../device-csr.ts";
import { type HandlerScenario, type ScenarioContext, UNPACED } from "../handler-scenario.ts";
import {
  answerRegistration,
  answerRegistry,
  CA_PEM,
  certificateIdOf,
  DEVICE_PEMS,
} from "../iot-answers.ts";
import { answerRotationTable, rotationItem, THING } from "../rotation-answers.ts";

const [OLD_PEM, NEW_PEM] = DEVICE_PEMS;
const OLD_ID = certificateIdOf(OLD_PEM);
const NEW_ID = certificateIdOf(NEW_PEM);
const env = { ...UNPACED, CA_CERTIFICATE_PEM: CA_PEM };

async function csrEvent() {
  return {
    ...fixture("rotation-csr"),
    thing: THING,
    principal: OLD_ID,
    certificateSigningRequest: await deviceCsrPem(THING),
  };
}

/** The CA signs the CSR with NEW_PEM; AWS IoT registers it under its id. */
function answerIssuance({ sdk, env, aws }: ScenarioContext): void {
  sdk
    .on(IssueCertificateCommand)
    .resolves({ CertificateArn: `${env.CA_ARN}/certificate/0123456789abcdef` });
  sdk.on(GetCertificateCommand).resolves({ Certificate: NEW_PEM });
  answerRegistration(sdk, aws, NEW_PEM);
}

export const scenarios: HandlerScenario[] = [
  {
    name: "issues the new certificate, registers it, attaches the policy and the thing, answers csr/accepted",
    env,
    async run(scenario) {
      const { sdk, aws, load } = scenario;
      answerRotationTable(sdk, rotationItem({ oldCertificateId: OLD_ID }));
      answerRegistry(sdk, aws, { thingName: THING, certificates: [OLD_PEM], policies: [] });
      answerIssuance(scenario);
      await (await load())(await csrEvent(), lambdaContext);
    },
  },
  {
    name: "retires the certificate it issued when a concurrent request won the rotation",
    env,
    async run(scenario) {
      const { sdk, aws, env, load } = scenario;
      const requested = rotationItem({ oldCertificateId: OLD_ID });
      answerRotationTable(sdk, requested, {
        conflictOnce: { ...requested, step: "issued", newCertificateId: NEW_ID },
      });
      answerRegistry(sdk, aws, {
        thingName: THING,
        certificates: [OLD_PEM, NEW_PEM],
        policies: [env.DEVICE_POLICY_NAME ?? "device-policy"],
      });
      answerIssuance(scenario);
      await (await load())(await csrEvent(), lambdaContext);
    },
  },
  {
    name: "answers csr/rejected when the CA refuses the CSR",
    env,
    async run({ sdk, load }) {
      answerRotationTable(sdk, rotationItem({ oldCertificateId: OLD_ID }));
      sdk
        .on(IssueCertificateCommand)
        .rejects(Object.assign(new Error("bad CSR"), { name: "MalformedCSRException" }));
      await (await load())(await csrEvent(), lambdaContext);
    },
  },
];
