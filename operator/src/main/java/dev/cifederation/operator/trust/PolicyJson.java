package dev.cifederation.operator.trust;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The JSON reader for policy documents, trust policies and tokens, whoever wrote them: a spec, a
 * live role, a file given to the CLI. IAM documents nest a handful of levels and are a few
 * kilobytes; a reader that stops well past that keeps the recursive walks over them (lint, who can
 * assume, evaluation) far from the stack's end and a hostile document from filling the heap.
 */
public final class PolicyJson {

  /** Nesting levels; an IAM policy uses about six. */
  public static final int MAX_DEPTH = 64;

  /** Characters of one document: IAM's largest (a managed policy) is 6,144. */
  public static final long MAX_LENGTH = 4L << 20;

  // ObjectMapper is thread-safe once configured; a constant, not shared mutable state.
  public static final ObjectMapper MAPPER =
      JsonMapper.builder(
              JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder()
                          .maxNestingDepth(MAX_DEPTH)
                          .maxDocumentLength(MAX_LENGTH)
                          .build())
                  .build())
          .build();

  private PolicyJson() {}
}
