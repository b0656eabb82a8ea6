package dev.cifederation.operator.trust;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOptions;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.CelValidationException;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.values.NullValue;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.extensions.CelExtensions;
import dev.cel.extensions.CelStringExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.parser.CelUnparser;
import dev.cel.parser.CelUnparserFactory;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelFunctionBinding;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * CEL as GCP attribute mappings and conditions use it, on Google's CEL-Java: the variables {@code
 * assertion} (the token's claims), {@code google} and {@code attribute} (the mapped attributes),
 * each a map of string to any value; the standard functions and macros, {@code lowerAscii} and
 * {@code upperAscii}, and GCP's {@code extract}. {@code matches} is RE2 (RE2J), unanchored and
 * linear in the value. Expressions are parsed and type-checked once, with limits on length and
 * nesting, and the building blocks the compiler writes conditions with are here too.
 */
public final class Cel {

  /**
   * Nesting depth beyond which an expression is refused: parsing and evaluation recurse over it,
   * and GCP's own conditions (4,096 characters at most) never come near.
   */
  public static final int MAX_DEPTH = 100;

  /** Longer than any GCP attribute condition or mapping; parsing stays cheap. */
  public static final int MAX_LENGTH = 16_384;

  /** RE2 program size beyond which matches() fails: far above any pattern a person writes. */
  static final int MAX_REGEX_PROGRAM = 10_000;

  /** How much of an expression a message quotes. */
  private static final int QUOTED = 200;

  private static final MapType STRING_TO_ANY = MapType.create(SimpleType.STRING, SimpleType.DYN);
  private static final String EXTRACT = "string_extract_string";
  private static final CelStringExtensions ASCII_CASE =
      CelExtensions.strings(
          CelStringExtensions.Function.LOWER_ASCII, CelStringExtensions.Function.UPPER_ASCII);

  private static final CelOptions OPTIONS =
      CelOptions.current()
          .maxParseRecursionDepth(MAX_DEPTH)
          .maxExpressionCodePointSize(MAX_LENGTH)
          .enableRegexPartialMatch(true)
          .maxRegexProgramSize(MAX_REGEX_PROGRAM)
          .populateMacroCalls(true)
          .build();

  private static final CelCompiler COMPILER =
      CelCompilerFactory.standardCelCompilerBuilder()
          .setOptions(OPTIONS)
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addVar("assertion", STRING_TO_ANY)
          .addVar("google", STRING_TO_ANY)
          .addVar("attribute", STRING_TO_ANY)
          .addLibraries(ASCII_CASE)
          .addFunctionDeclarations(
              CelFunctionDecl.newFunctionDeclaration(
                  "extract",
                  CelOverloadDecl.newMemberOverload(
                      EXTRACT, SimpleType.STRING, SimpleType.STRING, SimpleType.STRING)))
          .build();

  private static final CelRuntime RUNTIME =
      CelRuntimeFactory.standardCelRuntimeBuilder()
          .setOptions(OPTIONS)
          .addLibraries(ASCII_CASE)
          .addFunctionBindings(
              CelFunctionBinding.from(EXTRACT, String.class, String.class, Cel::extract))
          .build();

  private static final CelUnparser UNPARSER = CelUnparserFactory.newUnparser();

  /**
   * Expressions already parsed, most recently used last: a reconcile reads the same mappings and
   * condition back every time, and parsing and checking costs milliseconds where evaluating costs
   * microseconds.
   */
  private static final int CACHED = 256;

  private static final Map<String, Expression> PARSED =
      Collections.synchronizedMap(
          new LinkedHashMap<>(CACHED, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Expression> eldest) {
              return size() > CACHED;
            }
          });

  private Cel() {}

  /** An expression parsed and checked, ready to evaluate any number of times. */
  public static final class Expression {
    private final String text;
    private final CelAbstractSyntaxTree ast;
    private final CelRuntime.Program program;

    private Expression(String text, CelAbstractSyntaxTree ast, CelRuntime.Program program) {
      this.text = text;
      this.ast = ast;
      this.program = program;
    }

    public String text() {
      return text;
    }

    /** The syntax tree, for reading a condition back (WhoCanAssume). */
    CelExpr syntax() {
      return ast.getExpr();
    }

    /** A part of {@link #syntax()} back as CEL text, for messages. */
    String print(CelExpr part) {
      return UNPARSER.unparse(CelAbstractSyntaxTree.newParsedAst(part, ast.getSource()));
    }

    /**
     * Evaluates against the given variables (e.g. {@code assertion} → the token's claims), given as
     * plain Java values (String, Long or Integer, Double, Boolean, List, Map, null).
     *
     * @throws EvaluationException when CEL raises an error (missing key, wrong type…)
     */
    public Object evaluate(Map<String, ?> variables) {
      Map<String, Object> values = new LinkedHashMap<>();
      variables.forEach((name, value) -> values.put(name, toCel(value)));
      try {
        return fromCel(program.eval(values));
      } catch (CelEvaluationException e) {
        throw new EvaluationException(
            e.getMessage()
                .replaceFirst("^evaluation error at <input>:\\d+: ", "")
                .replaceFirst("\\.$", ""));
      }
    }

    @Override
    public String toString() {
      return text;
    }
  }

  /**
   * The expression as CEL prints its syntax tree back: spacing and quoting normalised, order and
   * every identifier, operator and literal kept (what a provider's condition compares by).
   *
   * @throws IllegalArgumentException when the text is not CEL
   */
  static String canonical(String text) {
    Expression expression = parse(text);
    return expression.print(expression.syntax());
  }

  /** What CEL reports as an error value: a missing key, a type mismatch, a bad regex. */
  public static final class EvaluationException extends RuntimeException {
    EvaluationException(String message) {
      super(message);
    }
  }

  /**
   * @throws IllegalArgumentException saying where, when the text is not a CEL expression over
   *     {@code assertion}, {@code google} and {@code attribute}, or is too long or too deep
   */
  public static Expression parse(String text) {
    Objects.requireNonNull(text, "text");
    Expression parsed = PARSED.get(text);
    if (parsed == null) {
      parsed = compile(text);
      PARSED.put(text, parsed);
    }
    return parsed;
  }

  private static Expression compile(String text) {
    if (text.length() > MAX_LENGTH) {
      throw new IllegalArgumentException(
          "the expression is " + text.length() + " characters long, more than " + MAX_LENGTH);
    }
    CelAbstractSyntaxTree ast;
    try {
      ast = COMPILER.compile(text).getAst();
    } catch (CelValidationException e) {
      throw new IllegalArgumentException(
          "CEL syntax error in " + excerpt(text) + ": " + firstIssue(e.getMessage()), e);
    }
    try {
      return new Expression(text, ast, RUNTIME.createProgram(ast));
    } catch (CelEvaluationException e) {
      throw new IllegalArgumentException(
          "CEL cannot run " + excerpt(text) + ": " + e.getMessage(), e);
    }
  }

  /**
   * The first of CEL-Java's issues on one line, e.g. {@code at 1:18: token recognition error}
   * (CEL-Java adds a drawing of the position on further lines).
   */
  private static String firstIssue(String message) {
    String first = message.lines().findFirst().orElse(message).strip();
    if (first.contains("recursion")) {
      return "nests deeper than " + MAX_DEPTH + " levels";
    }
    return first.replaceFirst("^ERROR: <input>:", "at ");
  }

  private static String excerpt(String text) {
    return quote(text.length() > QUOTED ? text.substring(0, QUOTED) + "…" : text);
  }

  // --------------------------------------------------------------------- reading a tree back

  /** The dotted name of a selection chain of identifiers, e.g. {@code assertion.sub}; else null. */
  static String dottedName(CelExpr node) {
    return switch (node.getKind()) {
      case IDENT -> node.ident().name();
      case SELECT -> {
        if (node.select().testOnly()) {
          yield null;
        }
        String operand = dottedName(node.select().operand());
        yield operand == null ? null : operand + "." + node.select().field();
      }
      default -> null;
    };
  }

  // ----------------------------------------------------------------------- writing conditions

  /**
   * A single-quoted CEL string literal whose value is exactly {@code value}. Quotes and backslashes
   * are escaped so a value can never end the literal early and change the expression.
   */
  static String quote(String value) {
    StringBuilder literal = new StringBuilder(value.length() + 2).append('\'');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> literal.append("\\\\");
        case '\'' -> literal.append("\\'");
        case '\n' -> literal.append("\\n");
        case '\r' -> literal.append("\\r");
        case '\t' -> literal.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            literal.append(String.format("\\x%02x", (int) c));
          } else {
            literal.append(c);
          }
        }
      }
    }
    return literal.append('\'').toString();
  }

  /** {@code left == 'right'}, with right quoted. */
  static String equalsLiteral(String left, String right) {
    return left + " == " + quote(right);
  }

  /** A claim value as messages show it: strings quoted, everything else as Java prints it. */
  public static String show(Object value) {
    return value instanceof String s ? "'" + s + "'" : String.valueOf(value);
  }

  // ----------------------------------------------------------------------------- the values

  /** Claims as CEL-Java takes them: ints as Long, floats as Double, null as CEL's null. */
  private static Object toCel(Object value) {
    return eachLeaf(
        value,
        leaf -> {
          if (leaf == null) {
            return NullValue.NULL_VALUE;
          }
          if (leaf instanceof Integer || leaf instanceof Short || leaf instanceof Byte) {
            return ((Number) leaf).longValue();
          }
          return leaf instanceof Float f ? f.doubleValue() : leaf;
        });
  }

  /** A result back as plain Java values: CEL's null as null, lists and maps alike. */
  private static Object fromCel(Object value) {
    return eachLeaf(value, leaf -> leaf instanceof NullValue ? null : leaf);
  }

  /** The value with {@code convert} applied to everything but lists and maps, at any depth. */
  private static Object eachLeaf(Object value, UnaryOperator<Object> convert) {
    if (value instanceof List<?> list) {
      List<Object> out = new ArrayList<>(list.size());
      list.forEach(v -> out.add(eachLeaf(v, convert)));
      return out;
    }
    if (value instanceof Map<?, ?> map) {
      Map<Object, Object> out = new LinkedHashMap<>();
      map.forEach((k, v) -> out.put(eachLeaf(k, convert), eachLeaf(v, convert)));
      return out;
    }
    return convert.apply(value);
  }

  /**
   * GCP's extract(): the part of the value between the template's text before and after its one
   * {@code {name}} placeholder; empty when the text around it is not found.
   */
  private static String extract(String value, String template) throws CelEvaluationException {
    int open = template.indexOf('{');
    int close = template.indexOf('}', open + 1);
    if (open < 0 || close < 0) {
      throw new CelEvaluationException(
          "extract() template '" + template + "' needs one {placeholder}");
    }
    String before = template.substring(0, open);
    String after = template.substring(close + 1);
    int start = value.indexOf(before);
    if (start < 0) {
      return "";
    }
    start += before.length();
    if (after.isEmpty()) {
      return value.substring(start);
    }
    int end = value.indexOf(after, start);
    return end < 0 ? "" : value.substring(start, end);
  }
}
