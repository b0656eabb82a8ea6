package dev.cifederation.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SharedStringsTest {

  @Test
  void equalValuesBecomeOneInstance() {
    var strings = new SharedStrings();
    String first = new String("Synced");
    String second = new String("Synced");

    assertThat(strings.share(first)).isSameAs(first);
    assertThat(strings.share(second)).isSameAs(first);
    assertThat(strings.share((String) null)).isNull();
  }

  @Test
  void longValuesAreNotKept() {
    var strings = new SharedStrings();
    String message = "x".repeat(SharedStrings.MAX_LENGTH + 1);

    assertThat(strings.share(new String(message))).isNotSameAs(strings.share(message));
    assertThat(strings.size()).isZero();
  }

  @Test
  void manyDistinctValuesStopBeingKeptButComeBackUnchanged() {
    var strings = new SharedStrings();
    for (int i = 0; i < SharedStrings.MAX_VALUES + 100; i++) {
      assertThat(strings.share("issuer-" + i)).isEqualTo("issuer-" + i);
    }

    assertThat(strings.size()).isEqualTo(SharedStrings.MAX_VALUES);
  }

  @Test
  void aSharedListIsANewListTheCallerMayChange() {
    var strings = new SharedStrings();
    List<String> finalizers = new ArrayList<>(Arrays.asList(new String("a"), new String("b")));

    List<String> shared = strings.share(finalizers);
    shared.add("c");

    assertThat(finalizers).containsExactly("a", "b");
    assertThat(strings.share(List.of(new String("a"))).get(0)).isSameAs(shared.get(0));
  }
}
