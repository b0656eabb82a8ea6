/**
 * Workflow snippets: pure rendering of the ready-to-paste GitHub Actions steps and GitLab CI job
 * that use an identity, from its spec, compiled trust and status. No I/O; golden-file tested. The
 * reconciler publishes the result as a ConfigMap.
 */
package dev.cifederation.operator.snippets;
