package dev.cifederation.operator.api.v1alpha1;

/** Names shared by the three kinds of the API group. */
public final class ApiGroup {
  public static final String GROUP = "cifederation.dev";
  public static final String VERSION = "v1alpha1";
  public static final String API_VERSION = GROUP + "/" + VERSION;

  private ApiGroup() {}
}
