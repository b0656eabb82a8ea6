package dev.cifederation.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JvmDefaultsTest {

  @ParameterizedTest(name = "{0} CPUs: a common pool of {1}")
  @CsvSource({"1, 2", "2, 2", "3, 2", "4, 3", "16, 15"})
  void theCommonPoolIsNeverASingleThreadThatCompletableFutureWouldReplaceWithThreadPerTask(
      int cpus, String parallelism) {
    Properties system = new Properties();
    JvmDefaults.apply(system, cpus);
    assertThat(system.getProperty(JvmDefaults.COMMON_POOL_PARALLELISM)).isEqualTo(parallelism);
  }

  @Test
  void aParallelismTheUserSetIsKept() {
    Properties system = new Properties();
    system.setProperty(JvmDefaults.COMMON_POOL_PARALLELISM, "1");
    JvmDefaults.apply(system, 2);
    assertThat(system.getProperty(JvmDefaults.COMMON_POOL_PARALLELISM)).isEqualTo("1");
  }
}
