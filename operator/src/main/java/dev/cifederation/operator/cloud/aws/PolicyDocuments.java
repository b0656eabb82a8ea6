package dev.cifederation.operator.cloud.aws;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.cifederation.operator.trust.PolicyEquivalence;
import dev.cifederation.operator.trust.PolicyJson;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * IAM policy documents as IAM returns them and as the operator compares them. IAM hands documents
 * back URL-encoded, with keys reordered and one-element arrays turned into plain strings; none of
 * that is a change. Two documents are {@link #equivalent} when they grant the same thing under
 * IAM's grammar: statements, actions, resources, principals and condition values are sets.
 */
public final class PolicyDocuments {

  // ObjectMapper is thread-safe once configured; a constant, not shared mutable state.
  private static final ObjectMapper JSON = PolicyJson.MAPPER;

  private PolicyDocuments() {}

  /**
   * Parses a document as IAM returns it: URL-encoded (GetRole, GetRolePolicy,
   * GetAccountAuthorizationDetails) or plain JSON (some emulators, and what we send).
   *
   * @throws IllegalArgumentException when the text is not a JSON object after decoding
   */
  public static JsonNode parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("no policy document");
    }
    String trimmed = text.strip();
    String json = trimmed.startsWith("{") ? trimmed : percentDecode(trimmed);
    try {
      JsonNode node = JSON.readTree(json);
      if (node == null || !node.isObject()) {
        throw new IllegalArgumentException("a policy document must be a JSON object");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a JSON policy document: " + e.getOriginalMessage());
    }
  }

  /**
   * {@link #parse}, or the raw text as a JSON string when it is not a document: it then differs
   * from every desired document, so the operator rewrites it instead of failing the whole account's
   * read on one odd role (IAM itself only stores valid JSON; emulators may not).
   */
  public static JsonNode parseLenient(String text) {
    try {
      return parse(text);
    } catch (IllegalArgumentException e) {
      return TextNode.valueOf(text == null ? "" : text);
    }
  }

  /**
   * A document from its {@link #toJson} text, whatever its kind: the exact tree that was written,
   * including the text node {@link #parseLenient} makes of an odd document.
   */
  static JsonNode readCompact(String json) {
    try {
      return JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("not text written by toJson: " + e.getOriginalMessage());
    }
  }

  /** Compact JSON, as sent to IAM. */
  public static String toJson(JsonNode document) {
    try {
      return JSON.writeValueAsString(document);
    } catch (JsonProcessingException e) {
      // a tree of plain nodes always serialises
      throw new IllegalStateException(e);
    }
  }

  /** Whether two documents grant the same thing (see the class comment). */
  public static boolean equivalent(JsonNode a, JsonNode b) {
    return PolicyEquivalence.equivalent(a, b);
  }

  /** {@link #equivalent} on documents as IAM returns them. */
  public static boolean equivalent(String a, String b) {
    return equivalent(parse(a), parse(b));
  }

  /** The canonical form {@link #equivalent} compares. */
  static JsonNode normalize(JsonNode document) {
    return PolicyEquivalence.normalize(document);
  }

  /**
   * The decoding AWS documents for these documents (java.net.URLDecoder): IAM encodes a '+' as %2B,
   * so a '+' in the encoded text is a space.
   */
  private static String percentDecode(String encoded) {
    return URLDecoder.decode(encoded, StandardCharsets.UTF_8);
  }
}
