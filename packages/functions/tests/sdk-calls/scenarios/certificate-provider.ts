import { GetCertificateCommand, IssueCertificateCommand } from "@aws-sdk/client-acm-pca";
import { fixture, context as lambdaContext } from "../../unit/lambda-test-kit.ts";
import type { HandlerScenario } from "../handler-scenario.ts";
import { CA_PEM, DEVICE_PEMS } from "../iot-answers.ts";

export const scenarios: HandlerScenario[] = [
  {
    name: "issues the device's provisioning CSR at the stage's private CA",
    env: { CA_CERTIFICATE_PEM: CA_PEM },
    async run({ sdk, env, load }) {
      sdk
        .on(IssueCertificateCommand)
        .resolves({ CertificateArn: `${env.CA_ARN}/certificate/0123456789abcdef` });
      sdk.on(GetCertificateCommand).resolves({ Certificate: DEVICE_PEMS[0] });
      await (await load())(fixture("certificate-provider"), lambdaContext);
    },
  },
];
