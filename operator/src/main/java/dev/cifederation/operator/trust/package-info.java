/**
 * The trust compiler: pure functions from a {@code CIFederatedIdentity} spec and its issuer to the
 * exact {@code sub} claim and the desired trust configuration of each cloud (AWS trust policy, GCP
 * provider attribute mapping/condition and principal, Azure federated credential).
 *
 * <p>No I/O, no Kubernetes client, no cloud SDK: this package imports only the API model, Jackson's
 * tree model and the JDK, so every rule here is covered by golden-file and table tests.
 */
package dev.cifederation.operator.trust;
