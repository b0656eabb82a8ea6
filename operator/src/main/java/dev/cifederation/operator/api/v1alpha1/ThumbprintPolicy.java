package dev.cifederation.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

@ValidationRule(
    value = "self.mode == 'Pinned' || !has(self.pinned) || size(self.pinned) == 0",
    message = "spec.thumbprints.pinned is only allowed with mode: Pinned")
@ValidationRule(
    value = "self.mode != 'Pinned' || (has(self.pinned) && size(self.pinned) > 0)",
    message = "spec.thumbprints.pinned must list at least one thumbprint with mode: Pinned")
public class ThumbprintPolicy {

  @Default("Track")
  @JsonPropertyDescription(
      "Track keeps AWS providers at the live thumbprints; Pinned enforces the pinned list and reports a mismatch;"
          + " Off leaves them alone.")
  private ThumbprintMode mode = ThumbprintMode.Track;

  @Size(max = 5)
  @ValidationRule(
      value = "self.all(t, t.matches('^[0-9a-f]{40}$'))",
      message = "spec.thumbprints.pinned entries must be 40 lowercase hex characters (SHA-1)")
  @JsonPropertyDescription(
      "SHA-1 thumbprints (40 lowercase hex) to enforce with mode Pinned; at most 5.")
  private List<@Size(min = 40, max = 40) String> pinned = new ArrayList<>();

  public ThumbprintMode getMode() {
    return mode;
  }

  public void setMode(ThumbprintMode mode) {
    this.mode = mode;
  }

  public List<String> getPinned() {
    return pinned;
  }

  public void setPinned(List<String> pinned) {
    this.pinned = pinned;
  }
}
