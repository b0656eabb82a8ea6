package dev.cifederation.operator.cloud.gcp;

import com.google.api.services.iam.v1.model.Oidc;
import com.google.api.services.iam.v1.model.WorkloadIdentityPoolProvider;
import dev.cifederation.operator.cloud.Owner;
import dev.cifederation.operator.trust.GcpTrust;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiPredicate;
import java.util.function.Function;

/**
 * The provider an identity wants, and the field-by-field comparison with a live one that decides
 * the update mask: only fields that differ are patched.
 */
final class ProviderSpec {

  static final int DISPLAY_NAME_MAX = 32;

  /** The fields the operator manages, with their update-mask paths. */
  enum Field {
    displayName("displayName", p -> p.getDisplayName(), CelText::sameText),
    description("description", p -> p.getDescription(), CelText::sameText),
    disabled("disabled", p -> Boolean.TRUE.equals(p.getDisabled()), Objects::equals),
    attributeMapping("attributeMapping", p -> p.getAttributeMapping(), ProviderSpec::sameMapping),
    attributeCondition(
        "attributeCondition", p -> p.getAttributeCondition(), ProviderSpec::sameCondition),
    issuerUri("oidc.issuerUri", p -> oidc(p).getIssuerUri(), CelText::sameText),
    allowedAudiences(
        "oidc.allowedAudiences", p -> oidc(p).getAllowedAudiences(), ProviderSpec::sameAudiences),
    jwksJson("oidc.jwksJson", p -> oidc(p).getJwksJson(), CelText::sameText);

    private final String maskPath;
    private final Function<WorkloadIdentityPoolProvider, Object> read;
    private final BiPredicate<Object, Object> same;

    @SuppressWarnings("unchecked")
    <T> Field(
        String maskPath, Function<WorkloadIdentityPoolProvider, T> read, BiPredicate<T, T> same) {
      this.maskPath = maskPath;
      this.read = (Function<WorkloadIdentityPoolProvider, Object>) read;
      this.same = (BiPredicate<Object, Object>) same;
    }

    String maskPath() {
      return maskPath;
    }

    boolean differs(WorkloadIdentityPoolProvider live, WorkloadIdentityPoolProvider desired) {
      return !same.test(read.apply(live), read.apply(desired));
    }

    Object valueOf(WorkloadIdentityPoolProvider provider) {
      return read.apply(provider);
    }
  }

  private ProviderSpec() {}

  /**
   * The desired provider: the compiled issuer, audiences, mapping and condition, enabled, with the
   * ownership marks in the description and a readable display name.
   */
  static WorkloadIdentityPoolProvider desired(GcpTrust trust, Owner owner) {
    Oidc oidc = new Oidc().setIssuerUri(trust.issuerUri());
    if (!trust.allowedAudiences().isEmpty()) {
      oidc.setAllowedAudiences(new ArrayList<>(trust.allowedAudiences()));
    }
    return new WorkloadIdentityPoolProvider()
        .setDisplayName(displayName(owner.owner()))
        .setDescription(Ownership.providerDescription(owner))
        .setDisabled(false)
        .setAttributeMapping(new LinkedHashMap<>(trust.attributeMapping()))
        .setAttributeCondition(trust.attributeCondition())
        .setOidc(oidc);
  }

  /** {@code namespace/name}, cut to GCP's 32 characters. */
  static String displayName(String owner) {
    return owner.length() <= DISPLAY_NAME_MAX ? owner : owner.substring(0, DISPLAY_NAME_MAX);
  }

  /** The managed fields in which {@code live} differs from {@code desired}, in a stable order. */
  static List<Field> diff(WorkloadIdentityPoolProvider live, WorkloadIdentityPoolProvider desired) {
    List<Field> changed = new ArrayList<>();
    for (Field field : Field.values()) {
      if (field.differs(live, desired)) {
        changed.add(field);
      }
    }
    return changed;
  }

  static String updateMask(List<Field> fields) {
    return String.join(",", fields.stream().map(Field::maskPath).toList());
  }

  /**
   * The body of a patch: the desired values of exactly the masked fields (a field left out of the
   * body but named in the mask is cleared, which is how jwksJson is removed).
   */
  static WorkloadIdentityPoolProvider patchBody(
      WorkloadIdentityPoolProvider desired, List<Field> fields) {
    WorkloadIdentityPoolProvider body = new WorkloadIdentityPoolProvider();
    Oidc oidc = null;
    for (Field field : fields) {
      switch (field) {
        case displayName -> body.setDisplayName(desired.getDisplayName());
        case description -> body.setDescription(desired.getDescription());
        case disabled -> body.setDisabled(Boolean.TRUE.equals(desired.getDisabled()));
        case attributeMapping -> body.setAttributeMapping(desired.getAttributeMapping());
        case attributeCondition -> body.setAttributeCondition(desired.getAttributeCondition());
        case issuerUri ->
            (oidc = oidc == null ? new Oidc() : oidc).setIssuerUri(oidc(desired).getIssuerUri());
        case allowedAudiences ->
            (oidc = oidc == null ? new Oidc() : oidc)
                .setAllowedAudiences(oidc(desired).getAllowedAudiences());
        case jwksJson ->
            (oidc = oidc == null ? new Oidc() : oidc).setJwksJson(oidc(desired).getJwksJson());
      }
    }
    if (oidc != null) {
      body.setOidc(oidc);
    }
    return body;
  }

  /** For messages: how a field reads now, e.g. {@code attributeCondition='...'}. */
  static String describe(Field field, WorkloadIdentityPoolProvider provider) {
    Object value = field.valueOf(provider);
    return field.name() + "=" + (value == null ? "(unset)" : "'" + value + "'");
  }

  static boolean sameCondition(String live, String desired) {
    return CelText.sameExpression(live, desired);
  }

  /** Same attribute keys, each mapped by the same expression. */
  static boolean sameMapping(Map<String, String> live, Map<String, String> desired) {
    Map<String, String> a = live == null ? Map.of() : live;
    Map<String, String> b = desired == null ? Map.of() : desired;
    if (!a.keySet().equals(b.keySet())) {
      return false;
    }
    return a.entrySet().stream()
        .allMatch(e -> CelText.sameExpression(e.getValue(), b.get(e.getKey())));
  }

  /** Audiences are a set: order and duplicates do not matter. */
  static boolean sameAudiences(List<String> live, List<String> desired) {
    return new HashSet<>(live == null ? List.of() : live)
        .equals(new HashSet<>(desired == null ? List.of() : desired));
  }

  private static Oidc oidc(WorkloadIdentityPoolProvider provider) {
    return provider.getOidc() == null ? new Oidc() : provider.getOidc();
  }
}
