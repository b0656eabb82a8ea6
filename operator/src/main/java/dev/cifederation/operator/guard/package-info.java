/**
 * Guardrails, pure: the trust lint (rules over the compiled trust and over the live trust the
 * adapters read) and the evaluation of CIFederationPolicy. No client, no cloud SDK, no I/O; the
 * reconciler and the {@code lint} command share it.
 */
package dev.cifederation.operator.guard;
