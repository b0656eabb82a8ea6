/**
 * Issuer health: OIDC discovery of a CIIssuer over TLS with explicit trust anchors ({@link
 * dev.cifederation.operator.issuer.IssuerProbe}), the AWS thumbprint of each host's chain ({@link
 * dev.cifederation.operator.issuer.Thumbprints}) and the pure decision of which thumbprints an AWS
 * provider should list ({@link dev.cifederation.operator.issuer.ThumbprintPlan}). No Kubernetes
 * client and no cloud SDK: the reconciler combines this with the AWS adapter.
 */
package dev.cifederation.operator.issuer;
