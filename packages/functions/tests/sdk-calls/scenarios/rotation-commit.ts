import { fixture, context as lambdaContext } from "../../unit/lambda-test-kit.ts";
import { type HandlerScenario, UNPACED } from "../handler-scenario.ts";
import { answerRegistry, CA_PEM, certificateIdOf, DEVICE_PEMS } from "../iot-answers.ts";
import { answerRotationTable, rotationItem, THING } from "../rotation-answers.ts";

const [OLD_PEM, NEW_PEM] = DEVICE_PEMS;
const OLD_ID = certificateIdOf(OLD_PEM);
const NEW_ID = certificateIdOf(NEW_PEM);
const issued = rotationItem({ step: "issued", oldCertificateId: OLD_ID, newCertificateId: NEW_ID });

export const scenarios: HandlerScenario[] = [
  {
    name: "commits and retires the old certificate: revoked in AWS IoT and at the CA, detached, deleted",
    env: { ...UNPACED, CA_CERTIFICATE_PEM: CA_PEM },
    async run({ sdk, aws, env, load }) {
      answerRotationTable(sdk, issued);
      answerRegistry(sdk, aws, {
        thingName: THING,
        certificates: [OLD_PEM, NEW_PEM],
        policies: [env.DEVICE_POLICY_NAME ?? "device-policy"],
      });
      const event = { ...fixture("rotation-commit"), thing: THING, principal: NEW_ID };
      await (await load())(event, lambdaContext);
    },
  },
  {
    name: "rejects a commit over the old certificate on commit/rejected",
    env: { ...UNPACED, CA_CERTIFICATE_PEM: CA_PEM },
    async run({ sdk, load }) {
      answerRotationTable(sdk, issued);
      const event = { ...fixture("rotation-commit"), thing: THING, principal: OLD_ID };
      await (await load())(event, lambdaContext);
    },
  },
];
