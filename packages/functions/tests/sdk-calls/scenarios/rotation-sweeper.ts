import { context as lambdaContext } from "../../unit/lambda-test-kit.ts";
import { type HandlerScenario, UNPACED } from "../handler-scenario.ts";
import { answerRegistry, CA_PEM, certificateIdOf, DEVICE_PEMS } from "../iot-answers.ts";
import { answerRotationTable, rotationItem, THING } from "../rotation-answers.ts";

const [OLD_PEM, NEW_PEM] = DEVICE_PEMS;

export const scenarios: HandlerScenario[] = [
  {
    name: "times out a rotation past its deadline: retires its new certificate, cancels its job",
    env: { ...UNPACED, CA_CERTIFICATE_PEM: CA_PEM },
    async run({ sdk, aws, load }) {
      answerRotationTable(
        sdk,
        rotationItem({
          step: "issued",
          oldCertificateId: certificateIdOf(OLD_PEM),
          newCertificateId: certificateIdOf(NEW_PEM),
          deadline: "2020-01-01T00:00:00.000Z",
        }),
      );
      answerRegistry(sdk, aws, {
        thingName: THING,
        certificates: [OLD_PEM, NEW_PEM],
        policies: ["device-policy"],
      });
      await (await load())({}, lambdaContext);
    },
  },
];
