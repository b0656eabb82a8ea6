/**
 * The AWS adapter: IAM OIDC providers and roles through the AWS SDK for Java v2, the only package
 * that imports it. {@link dev.cifederation.operator.cloud.aws.AwsCloud} is the entry point and
 * follows the shared shape (observe, plan, apply, report); the pure parts ({@link
 * dev.cifederation.operator.cloud.aws.PassPlanner}, {@link
 * dev.cifederation.operator.cloud.aws.RolePlanner}, {@link
 * dev.cifederation.operator.cloud.aws.PolicyDocuments}) decide, {@link
 * dev.cifederation.operator.cloud.aws.IamGateway} talks to IAM and classifies its failures ({@link
 * dev.cifederation.operator.cloud.aws.AwsFailure}).
 */
package dev.cifederation.operator.cloud.aws;
