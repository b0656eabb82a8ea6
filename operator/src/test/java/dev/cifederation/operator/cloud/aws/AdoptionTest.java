package dev.cifederation.operator.cloud.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AdoptionTest {

  @ParameterizedTest(name = "{0} ~ {1} = {2}")
  @CsvSource({
    "arn:aws:iam::123456789012:role/legacy-deploy, arn:aws:iam::123456789012:role/legacy-deploy, true",
    "arn:aws:iam::123456789012:role/legacy-*,      arn:aws:iam::123456789012:role/legacy-deploy, true",
    "arn:aws:iam::123456789012:role/*,             arn:aws:iam::123456789012:role/ci/deploy,     true",
    "arn:aws:iam::*:role/team-a-*,                 arn:aws:iam::210987654321:role/team-a-x,      true",
    "arn:aws:iam::123456789012:role/legacy-*,      arn:aws:iam::123456789012:role/other,         false",
    "arn:aws:iam::123456789012:role/legacy-deploy, arn:aws:iam::123456789012:role/legacy-deploy2, false",
    "arn:aws:iam::123456789012:role/legacy-deploy, arn:aws:iam::210987654321:role/legacy-deploy, false",
    // '.' and '?' are literal: only '*' is a wildcard
    "arn:aws:iam::123456789012:role/a.b,           arn:aws:iam::123456789012:role/aXb,           false",
    "arn:aws:iam::123456789012:role/a?,            arn:aws:iam::123456789012:role/ab,            false",
  })
  void patterns(String pattern, String arn, boolean matches) {
    assertThat(Adoption.matches(pattern, arn)).isEqualTo(matches);
  }

  @org.junit.jupiter.api.Test
  void noPatternsGrantNothing() {
    assertThat(Adoption.grantFor(List.of(), "arn:aws:iam::123456789012:role/x")).isEmpty();
    assertThat(
            Adoption.grantFor(
                List.of("arn:aws:iam::1:role/y", "arn:aws:iam::123456789012:role/*"),
                "arn:aws:iam::123456789012:role/x"))
        .contains("arn:aws:iam::123456789012:role/*");
  }
}
