package dev.cifederation.operator.api.v1alpha1;

/** The kinds of subject selector; the names are the field names users write. */
public enum SubjectKind {
  environment,
  branch,
  tag,
  workflowRef,
  pullRequest,
  everyRun,
  workspace,
  serviceConnection
}
