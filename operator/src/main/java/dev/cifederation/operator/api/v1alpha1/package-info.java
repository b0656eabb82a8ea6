/**
 * The {@code cifederation.dev/v1alpha1} API: custom resource classes, their spec and status types
 * and the closed sets of condition types and reasons. This package is the CRD model only; it
 * imports nothing of the operator, and the CRD YAML under {@code crds/} is generated from it.
 */
package dev.cifederation.operator.api.v1alpha1;
