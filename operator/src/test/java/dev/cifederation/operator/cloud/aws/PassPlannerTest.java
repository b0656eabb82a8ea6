package dev.cifederation.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cifederation.operator.cloud.Owner;
import dev.cifederation.operator.cloud.aws.AwsPlan.ProviderWrite;
import dev.cifederation.operator.cloud.aws.AwsPlan.RoleStep;
import dev.cifederation.operator.trust.AwsTrust;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** One pass's decisions from what was observed, without a cloud: what is written, or why not. */
class PassPlannerTest {

  private static final String ACCOUNT = "123456789012";
  private static final String PROVIDER =
      "arn:aws:iam::" + ACCOUNT + ":oidc-provider/token.actions.githubusercontent.com";
  private static final String ROLE = "cifed-team-a_deploy";
  private static final String ROLE_ARN = Arns.role(ACCOUNT, "/cifederation/", ROLE);
  private static final String DEPLOY = "arn:aws:iam::" + ACCOUNT + ":policy/deploy";
  private static final Owner OWNER = new Owner("team-a/deploy", "prod", "uid-1");
  private static final String TRUST =
      "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
          + "\"Principal\":{\"Federated\":\""
          + PROVIDER
          + "\"},\"Action\":\"sts:AssumeRoleWithWebIdentity\",\"Condition\":{\"StringEquals\":{"
          + "\"token.actions.githubusercontent.com:sub\":\"repo:my-org/my-app:ref:refs/heads/main\"}}}]}";

  @Test
  void anEmptyAccountGetsTheProviderAndTheRoleWithItsPolicies() {
    AwsPlan plan = PassPlanner.plan(intent(), new AccountView(none(), none(), List.of()));

    assertThat(plan.conflict()).isEmpty();
    assertThat(plan.provider().write()).contains(ProviderWrite.CREATE);
    assertThat(plan.provider().arn()).contains(PROVIDER);
    RoleStep role = plan.role().orElseThrow();
    assertThat(role.create()).isTrue();
    assertThat(role.arn()).isEqualTo(ROLE_ARN);
    assertThat(role.changes())
        .as("what CreateRole does not set")
        .containsExactly(new RoleChange.AttachManagedPolicy(DEPLOY));
    assertThat(role.liveTrust().managedPolicyArns()).containsExactly(DEPLOY);
    assertThat(plan.notices()).isEmpty();
  }

  @Test
  void aSteadyAccountNeedsNoWrite() {
    AwsPlan plan = PassPlanner.plan(intent(), steady());

    assertThat(plan.conflict()).isEmpty();
    assertThat(plan.provider().write()).isEmpty();
    assertThat(plan.role().orElseThrow().writes()).isFalse();
    assertThat(plan.superseded()).isEmpty();
    assertThat(plan.role().get().liveTrust().roleArn()).isEqualTo(ROLE_ARN);
  }

  @Test
  void aMissingClientIdIsAddedToOurProvider() {
    LiveProvider withoutAudience =
        new LiveProvider(PROVIDER, List.of("other"), List.of(), providerTags("prod"));

    AwsPlan plan =
        PassPlanner.plan(
            intent(), new AccountView(Optional.of(withoutAudience), none(), List.of()));

    assertThat(plan.provider().write()).contains(ProviderWrite.ADD_CLIENT_ID);
    assertThat(plan.provider().existing()).contains(PROVIDER);
  }

  @Test
  void aRoleOfAnotherIdentityIsAConflictAndNothingIsWrittenNotEvenTheProvider() {
    LiveRole theirs = role(OwnershipTags.tags(new Owner("team-b/deploy", "prod", "uid-9")));

    AwsPlan plan =
        PassPlanner.plan(
            intent(true, List.of("arn:aws:iam::" + ACCOUNT + ":role/*")),
            new AccountView(none(), Optional.of(theirs), List.of(theirs)));

    assertThat(plan.conflict())
        .hasValueSatisfying(
            c -> assertThat(c).contains("team-b/deploy").contains("another identity is never"));
    assertThat(plan.role()).isEmpty();
    assertThat(plan.provider().existing()).as("the provider is not there yet").isEmpty();
    assertThat(PassPlanner.mayActOn(intent(true, List.of("*")), theirs)).isFalse();
  }

  @Test
  void aProviderMadeElsewhereIsUsedReadOnly() {
    LiveProvider terraform =
        new LiveProvider(
            PROVIDER, List.of("sts.amazonaws.com"), List.of("ab".repeat(20)), Map.of("team", "x"));

    AwsPlan plan =
        PassPlanner.plan(intent(), new AccountView(Optional.of(terraform), none(), List.of()));
    AwsPlan observed =
        PassPlanner.plan(observing(), new AccountView(Optional.of(terraform), none(), List.of()));

    assertThat(plan.conflict()).isEmpty();
    assertThat(plan.provider().write()).as("never written: not even the client ID").isEmpty();
    assertThat(plan.provider().existing()).contains(PROVIDER);
    assertThat(plan.role().orElseThrow().create()).isTrue();
    assertThat(observed.differences()).containsExactly("IAM role " + ROLE + " does not exist");
  }

  @Test
  void aProviderMadeElsewhereWithoutTheAudienceIsAConflictNotAWrite() {
    LiveProvider terraform = new LiveProvider(PROVIDER, List.of("other"), List.of(), Map.of());

    AwsPlan plan =
        PassPlanner.plan(intent(), new AccountView(Optional.of(terraform), none(), List.of()));
    AwsPlan observed =
        PassPlanner.plan(observing(), new AccountView(Optional.of(terraform), none(), List.of()));

    assertThat(plan.conflict())
        .hasValueSatisfying(
            c ->
                assertThat(c)
                    .contains(PROVIDER)
                    .contains("does not list client ID sts.amazonaws.com")
                    .contains("read-only"));
    assertThat(plan.provider().write()).isEmpty();
    assertThat(plan.role()).isEmpty();
    assertThat(observed.differences())
        .anySatisfy(d -> assertThat(d).contains("does not list client ID sts.amazonaws.com"));
  }

  @Test
  void anotherClustersProviderIsUsedButNeverWritten() {
    LiveProvider theirs =
        new LiveProvider(PROVIDER, List.of("sts.amazonaws.com"), List.of(), providerTags("other"));
    LiveProvider theirsWithoutAudience =
        new LiveProvider(PROVIDER, List.of("other"), List.of(), providerTags("other"));

    AwsPlan usable =
        PassPlanner.plan(intent(), new AccountView(Optional.of(theirs), none(), List.of()));
    AwsPlan refused =
        PassPlanner.plan(
            intent(), new AccountView(Optional.of(theirsWithoutAudience), none(), List.of()));

    assertThat(usable.conflict()).isEmpty();
    assertThat(usable.provider().write()).isEmpty();
    assertThat(usable.provider().arn()).contains(PROVIDER);
    assertThat(refused.conflict())
        .hasValueSatisfying(c -> assertThat(c).contains("operator of cluster other"));
  }

  @Test
  void anUnmarkedRoleIsAdoptedOnlyWhenAskedAndGranted() {
    LiveRole handMade = role(Map.of());
    AccountView view =
        new AccountView(Optional.of(ourProvider()), Optional.of(handMade), List.of());
    List<String> grant = List.of("arn:aws:iam::" + ACCOUNT + ":role/cifederation/cifed-team-a_*");

    AwsPlan notAsked = PassPlanner.plan(intent(false, grant), view);
    AwsPlan notGranted = PassPlanner.plan(intent(true, List.of()), view);
    AwsPlan adopted = PassPlanner.plan(intent(true, grant), view);

    assertThat(notAsked.conflict())
        .hasValueSatisfying(c -> assertThat(c).contains("spec.adoptExisting: true"));
    assertThat(notGranted.conflict())
        .hasValueSatisfying(c -> assertThat(c).contains("no selecting policy grants " + ROLE_ARN));
    assertThat(adopted.conflict()).isEmpty();
    assertThat(adopted.role().orElseThrow().marks()).isEqualTo(OwnershipTags.tags(OWNER));
    assertThat(adopted.notices())
        .singleElement()
        .asString()
        .contains("adopted")
        .contains(grant.get(0));
  }

  @Test
  void observeOnAnAdoptableRoleThatMatchesShowsNoDifferenceAndSaysHowToAdopt() {
    LiveRole handMade = role(Map.of());
    AccountView view =
        new AccountView(Optional.of(ourProvider()), Optional.of(handMade), List.of(handMade));
    List<String> grant = List.of(ROLE_ARN);

    AwsPlan granted = PassPlanner.plan(intent(null, true, grant, true), view);
    AwsPlan notGranted = PassPlanner.plan(intent(null, true, List.of(), true), view);

    assertThat(granted.conflict()).isEmpty();
    assertThat(granted.differences()).as("the missing marks are no difference").isEmpty();
    assertThat(granted.role().orElseThrow().changes()).isEmpty();
    assertThat(granted.notices())
        .singleElement()
        .asString()
        .contains("managementPolicy Enforce takes it over")
        .contains(ROLE_ARN);
    assertThat(notGranted.conflict())
        .hasValueSatisfying(c -> assertThat(c).contains("not managed by this identity"));
  }

  @Test
  void observeOnAnAdoptableRoleReportsWhatAdoptionWouldChange() {
    LiveRole wider =
        new LiveRole(
            ROLE,
            "/",
            Arns.role(ACCOUNT, "/", ROLE),
            PolicyDocuments.parse(TRUST),
            Set.of(DEPLOY, "arn:aws:iam::" + ACCOUNT + ":policy/extra"),
            Map.of("hand-written", PolicyDocuments.parse("{\"Version\":\"2012-10-17\"}")),
            OptionalInt.of(3600),
            Optional.empty(),
            Map.of());
    AccountView view =
        new AccountView(Optional.of(ourProvider()), Optional.of(wider), List.of(wider));

    AwsPlan observed = PassPlanner.plan(intent(null, true, List.of(wider.arn()), true), view);

    assertThat(observed.differences())
        .containsExactly(
            "IAM role "
                + ROLE
                + ": "
                + new RoleChange.DetachManagedPolicy("arn:aws:iam::" + ACCOUNT + ":policy/extra")
                    .difference(),
            "IAM role "
                + ROLE
                + ": "
                + new RoleChange.DeleteInlinePolicy("hand-written").difference());
  }

  @Test
  void aLegacyRoleTheStatusRecordsGetsItsUidMarkAsANoticeNotDrift() {
    LiveRole legacy =
        role(Map.of(OwnershipTags.OWNER_TAG, "team-a/deploy", OwnershipTags.CLUSTER_TAG, "prod"));
    AccountView view =
        new AccountView(Optional.of(ourProvider()), Optional.of(legacy), List.of(legacy));

    AwsPlan recorded = PassPlanner.plan(intent(ROLE_ARN), view);
    AwsPlan unrecorded = PassPlanner.plan(intent(), view);

    assertThat(recorded.role().orElseThrow().marks())
        .containsExactly(Map.entry(OwnershipTags.UID_TAG, "uid-1"));
    assertThat(recorded.role().get().changes()).as("the mark is not planned twice").isEmpty();
    assertThat(recorded.notices()).singleElement().asString().contains("uid=uid-1 written");
    assertThat(unrecorded.conflict())
        .hasValueSatisfying(c -> assertThat(c).contains("does not record it"));
  }

  @Test
  void marksRemovedFromOurRoleAreWrittenBackAsDrift() {
    LiveRole stripped = role(Map.of(OwnershipTags.UID_TAG, "uid-1"));

    AwsPlan plan =
        PassPlanner.plan(
            intent(),
            new AccountView(Optional.of(ourProvider()), Optional.of(stripped), List.of(stripped)));

    assertThat(plan.conflict()).isEmpty();
    assertThat(plan.notices()).isEmpty();
    assertThat(plan.role().orElseThrow().changes())
        .singleElement()
        .isInstanceOf(RoleChange.TagRole.class);
  }

  @Test
  void aRoleOwnedUnderAnEarlierNameIsSupersededAndUnderObserveReported() {
    LiveRole earlier = role("first-name", OwnershipTags.tags(OWNER));
    AccountView view = new AccountView(Optional.of(ourProvider()), none(), List.of(earlier));

    AwsPlan enforced = PassPlanner.plan(intent(), view);
    AwsPlan observed = PassPlanner.plan(observing(), view);

    assertThat(enforced.superseded()).containsExactly(earlier);
    assertThat(observed.superseded()).isEmpty();
    assertThat(observed.differences())
        .contains(
            "IAM role first-name is no longer in the spec (spec.aws.roleName is now " + ROLE + ")")
        .contains("IAM role " + ROLE + " does not exist");
  }

  @Test
  void observeOnAnEmptyAccountListsWhatIsMissingAndPlansNoWrite() {
    AwsPlan plan = PassPlanner.plan(observing(), new AccountView(none(), none(), List.of()));

    assertThat(plan.conflict()).isEmpty();
    assertThat(plan.provider().write()).isEmpty();
    assertThat(plan.role()).isEmpty();
    assertThat(plan.differences())
        .containsExactly(
            "IAM OIDC provider " + PROVIDER + " does not exist",
            "IAM role " + ROLE + " does not exist");
  }

  // ---------------------------------------------------------------------------------- fixtures

  private static Intent intent() {
    return intent(null, false, List.of(), false);
  }

  private static Intent intent(String recordedRoleArn) {
    return intent(recordedRoleArn, false, List.of(), false);
  }

  private static Intent intent(boolean adoptExisting, List<String> adoptable) {
    return intent(null, adoptExisting, adoptable, false);
  }

  private static Intent observing() {
    return intent(null, false, List.of(), true);
  }

  private static Intent intent(
      String recordedRoleArn, boolean adoptExisting, List<String> adoptable, boolean observe) {
    ObjectNode trust = (ObjectNode) PolicyDocuments.parse(TRUST);
    return new Intent(
        new AwsTrust(
            ACCOUNT,
            ROLE,
            PROVIDER,
            "https://token.actions.githubusercontent.com",
            "sts.amazonaws.com",
            trust,
            Duration.ofHours(1)),
        new DesiredRole(
            ROLE,
            "/cifederation/",
            "CI federation role of team-a/deploy",
            trust,
            Set.of(DEPLOY),
            Optional.empty(),
            3600,
            Optional.empty(),
            OwnershipTags.tags(OWNER)),
        ROLE_ARN,
        OWNER,
        recordedRoleArn,
        adoptExisting,
        adoptable,
        observe,
        false);
  }

  private static AccountView steady() {
    LiveRole ours = role(OwnershipTags.tags(OWNER));
    return new AccountView(Optional.of(ourProvider()), Optional.of(ours), List.of(ours));
  }

  private static LiveProvider ourProvider() {
    return new LiveProvider(
        PROVIDER, List.of("sts.amazonaws.com"), List.of(), providerTags("prod"));
  }

  private static Map<String, String> providerTags(String cluster) {
    return OwnershipTags.tags(OwnershipTags.ofProvider(cluster));
  }

  private static LiveRole role(Map<String, String> tags) {
    return role(ROLE, tags);
  }

  /** A role as the desired one, with these tags. */
  private static LiveRole role(String name, Map<String, String> tags) {
    return new LiveRole(
        name,
        "/cifederation/",
        Arns.role(ACCOUNT, "/cifederation/", name),
        PolicyDocuments.parse(TRUST),
        Set.of(DEPLOY),
        Map.of(),
        OptionalInt.of(3600),
        Optional.empty(),
        new HashMap<>(tags));
  }

  private static <T> Optional<T> none() {
    return Optional.empty();
  }
}
