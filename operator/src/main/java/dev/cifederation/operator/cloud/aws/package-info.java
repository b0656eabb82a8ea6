/**
 * The AWS adapter: IAM OIDC providers and roles through the AWS SDK for Java v2, the only package
 * that imports it. {@link dev.cifederation.operator.cloud.aws.AwsCloud} is the entry point; the
 * pure parts ({@link dev.cifederation.operator.cloud.aws.PolicyDocuments}, {@link
 * dev.cifederation.operator.cloud.aws.RolePlanner}) decide, {@link
 * dev.cifederation.operator.cloud.aws.IamGateway} talks to IAM.
 */
package dev.cifederation.operator.cloud.aws;
