/**
 * What a function needs to have the stage's private CA issue a device certificate and read it
 * back (AcmPcaCertificateIssuer: IssueCertificate, then GetCertificate until issued). Issuing is
 * limited to the client-authentication end-entity template (`acm-pca:TemplateArn`), so the role
 * can never have the CA sign a CA certificate. Used by the rotation CSR function and the
 * certificate provider's signer.
 */
export function caIssuingPermissions(
  certificateAuthorityArn: $util.Input<string>,
  certificateTemplateArn: $util.Input<string>,
): sst.aws.FunctionPermissionArgs[] {
  return [
    {
      actions: ["acm-pca:IssueCertificate"],
      resources: [certificateAuthorityArn],
      conditions: [
        {
          test: "StringEquals",
          variable: "acm-pca:TemplateArn",
          values: [certificateTemplateArn],
        },
      ],
    },
    { actions: ["acm-pca:GetCertificate"], resources: [certificateAuthorityArn] },
  ];
}
