package dev.cifederation.operator.trust;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decides, as GCP's Security Token Service and IAM would, whether a token gets to impersonate the
 * service account through a workload identity pool provider: the provider must be enabled; the
 * issuer must be the provider's; the audience one of its allowed audiences (none listed: the
 * provider's own resource name, with or without {@code https:}); the attribute mapping is applied
 * (CEL over {@code assertion}); {@code google.subject} must be set and at most 127 bytes; the
 * attribute condition must be true; and a member bound on the service account must match the mapped
 * identity.
 *
 * <p>A custom attribute whose mapping cannot be evaluated (e.g. the claim is missing) is left
 * unset; a condition that then refers to it fails to evaluate, which refuses the token.
 */
final class GcpTrustEvaluator {

  private static final int SUBJECT_MAX_BYTES = 127;
  private static final String IAM_HOST = "iam.googleapis.com/";
  private static final Pattern ASSERTION_CLAIM =
      Pattern.compile("\\bassertion\\s*\\.\\s*([A-Za-z_][A-Za-z0-9_]*)");

  private GcpTrustEvaluator() {}

  static Admission evaluate(LiveTrust.Gcp trust, Claims claims) {
    if (trust.disabled()) {
      return Admission.refused(
          "the provider " + trust.providerName() + " is disabled: it accepts no token");
    }
    Optional<String> issuer = claims.string("iss");
    if (issuer.isEmpty() || !issuer.get().equals(trust.issuerUri())) {
      return Admission.refused(
          "the token's issuer "
              + issuer.map(Cel::show).orElse("(none)")
              + " is not the provider's issuer '"
              + trust.issuerUri()
              + "'");
    }
    List<String> allowed = allowedAudiences(trust);
    List<String> audiences = claims.strings("aud");
    if (audiences.stream().noneMatch(allowed::contains)) {
      return Admission.refused(
          "the token's audience "
              + (audiences.isEmpty() ? "(none)" : String.join(", ", audiences))
              + " is not an audience the provider allows ("
              + String.join(", ", allowed)
              + ")");
    }

    Map<String, Object> assertion = claims.asMap();
    Map<String, Object> google = new LinkedHashMap<>();
    Map<String, Object> attribute = new LinkedHashMap<>();
    String subjectMapping = trust.attributeMapping().get("google.subject");
    if (subjectMapping == null || subjectMapping.isBlank()) {
      return Admission.refused("the provider maps no google.subject, so no token is accepted");
    }
    for (Map.Entry<String, String> mapping : trust.attributeMapping().entrySet()) {
      String target = mapping.getKey();
      Object value;
      try {
        value = Cel.parse(mapping.getValue()).evaluate(Map.of("assertion", assertion));
      } catch (IllegalArgumentException | Cel.EvaluationException e) {
        if (target.equals("google.subject")) {
          return Admission.refused(
              "the mapping of google.subject ("
                  + mapping.getValue()
                  + ") fails on this token: "
                  + e.getMessage());
        }
        continue;
      }
      int dot = target.indexOf('.');
      String scope = dot < 0 ? target : target.substring(0, dot);
      String name = dot < 0 ? "" : target.substring(dot + 1);
      (scope.equals("google") ? google : attribute).put(name, value);
    }
    if (!(google.get("subject") instanceof String subject) || subject.isEmpty()) {
      return Admission.refused(
          "google.subject (" + subjectMapping + ") is not a non-empty string for this token");
    }
    int bytes = subject.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > SUBJECT_MAX_BYTES) {
      return Admission.refused(
          "google.subject '" + subject + "' is " + bytes + " bytes; GCP allows at most 127");
    }

    String condition = trust.attributeCondition();
    String conditionNote;
    if (condition == null || condition.isBlank()) {
      conditionNote = "the provider has no attribute condition";
    } else {
      Object result;
      try {
        result =
            Cel.parse(condition)
                .evaluate(Map.of("assertion", assertion, "google", google, "attribute", attribute));
      } catch (IllegalArgumentException | Cel.EvaluationException e) {
        return Admission.refused(
            "the attribute condition cannot be evaluated on this token (GCP refuses it): "
                + e.getMessage()
                + tokenValues(condition, claims));
      }
      if (!Boolean.TRUE.equals(result)) {
        return Admission.refused(
            "the attribute condition "
                + condition
                + " is "
                + result
                + " for this token"
                + tokenValues(condition, claims));
      }
      conditionNote = "the attribute condition holds";
    }

    String pool = pool(trust.providerName());
    for (String member : trust.members()) {
      if (memberMatches(member, pool, subject, google, attribute)) {
        return Admission.admitted(
            "the provider accepts the token ("
                + conditionNote
                + ") and the service account binds "
                + member);
      }
    }
    return Admission.refused(
        (trust.members().isEmpty()
                ? "the service account binds no member of this pool"
                : "no member bound on the service account matches google.subject '"
                    + subject
                    + "' (bound: "
                    + String.join(", ", trust.members())
                    + ")")
            + "; "
            + conditionNote);
  }

  static List<String> allowedAudiences(LiveTrust.Gcp trust) {
    if (!trust.allowedAudiences().isEmpty()) {
      return trust.allowedAudiences();
    }
    return List.of(
        "https://" + IAM_HOST + trust.providerName(), "//" + IAM_HOST + trust.providerName());
  }

  /** {@code projects/N/locations/global/workloadIdentityPools/POOL} of a provider's name. */
  static String pool(String providerName) {
    int providers = providerName.indexOf("/providers/");
    return providers < 0 ? providerName : providerName.substring(0, providers);
  }

  private static boolean memberMatches(
      String member,
      String pool,
      String subject,
      Map<String, Object> google,
      Map<String, Object> attribute) {
    String principal = "principal://" + IAM_HOST + pool + "/subject/";
    if (member.startsWith(principal)) {
      return member.substring(principal.length()).equals(subject);
    }
    String set = "principalSet://" + IAM_HOST + pool + "/";
    if (!member.startsWith(set)) {
      return false;
    }
    String rest = member.substring(set.length());
    if (rest.equals("*")) {
      return true;
    }
    if (rest.startsWith("group/")) {
      return contains(google.get("groups"), rest.substring("group/".length()));
    }
    if (rest.startsWith("attribute.")) {
      int slash = rest.indexOf('/');
      if (slash < 0) {
        return false;
      }
      String name = rest.substring("attribute.".length(), slash);
      return contains(attribute.get(name), rest.substring(slash + 1));
    }
    return false;
  }

  private static boolean contains(Object value, String wanted) {
    if (value instanceof List<?> list) {
      return list.stream().anyMatch(v -> wanted.equals(String.valueOf(v)));
    }
    return value != null && wanted.equals(String.valueOf(value));
  }

  /** The token's values of the claims an expression reads, so a refusal shows what differed. */
  private static String tokenValues(String expression, Claims claims) {
    Set<String> names = new TreeSet<>();
    Matcher m = ASSERTION_CLAIM.matcher(expression);
    while (m.find()) {
      names.add(m.group(1));
    }
    List<String> shown = new ArrayList<>();
    for (String name : names) {
      Object value = claims.asMap().get(name);
      shown.add(name + (claims.asMap().containsKey(name) ? " = " + Cel.show(value) : " absent"));
    }
    return shown.isEmpty() ? "" : " (token: " + String.join(", ", shown) + ")";
  }
}
