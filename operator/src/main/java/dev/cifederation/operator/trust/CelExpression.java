package dev.cifederation.operator.trust;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The part of CEL that GCP attribute mappings and conditions use in practice, parsed once and
 * evaluated against a token: literals (strings in every quoting, ints, bools, null, lists, maps),
 * field selection and indexing, {@code == != < <= > >=}, {@code && || !}, {@code in}, {@code +}
 * (strings, lists, ints), the ternary, and the functions {@code startsWith endsWith contains
 * matches size lowerAscii upperAscii extract string int has exists all}.
 *
 * <p>Like CEL, {@code &&} and {@code ||} are commutative over errors: {@code false && error} is
 * false, so a condition that is decided by one side does not fail on the other. Anything outside
 * the subset is a parse error that names the position, never a silent "true".
 */
public final class CelExpression {

  /**
   * Nesting depth (parentheses, operator chains, calls, unary operators) beyond which an expression
   * is refused: parsing, printing and evaluation recurse over it, and GCP's own conditions (4,096
   * characters at most) never come near.
   */
  public static final int MAX_DEPTH = 100;

  /** Longer than any GCP attribute condition or mapping; parsing stays cheap. */
  public static final int MAX_LENGTH = 16_384;

  private final String text;
  private final Node root;

  private CelExpression(String text, Node root) {
    this.text = text;
    this.root = root;
  }

  /**
   * @throws IllegalArgumentException naming the position when the text is not in the subset
   */
  public static CelExpression parse(String text) {
    Objects.requireNonNull(text, "text");
    if (text.length() > MAX_LENGTH) {
      throw new IllegalArgumentException(
          "the expression is " + text.length() + " characters long, more than " + MAX_LENGTH);
    }
    Parser parser = new Parser(text);
    Node root = parser.expression();
    parser.expectEnd();
    return new CelExpression(text, root);
  }

  public String text() {
    return text;
  }

  Node root() {
    return root;
  }

  /**
   * Evaluates against the given variables (e.g. {@code assertion} → the token's claims).
   *
   * @throws EvaluationException when CEL would raise an error (missing key, wrong type…)
   */
  public Object evaluate(Map<String, ?> variables) {
    return new Evaluator(variables).eval(root);
  }

  /** What CEL reports as an error value: a missing key, a type mismatch, a bad regex. */
  public static final class EvaluationException extends RuntimeException {
    EvaluationException(String message) {
      super(message);
    }
  }

  // ------------------------------------------------------------------------------------- AST

  sealed interface Node {}

  record Literal(Object value) implements Node {}

  record Ident(String name) implements Node {}

  record Select(Node operand, String field) implements Node {}

  record Index(Node operand, Node index) implements Node {}

  /** {@code target.function(args)} or, with a null target, {@code function(args)}. */
  record Call(Node target, String function, List<Node> args) implements Node {}

  record Unary(String op, Node operand) implements Node {}

  record Binary(String op, Node left, Node right) implements Node {}

  record Conditional(Node condition, Node then, Node otherwise) implements Node {}

  record ListLiteral(List<Node> elements) implements Node {}

  record MapLiteral(List<Node> keys, List<Node> values) implements Node {}

  /** A node back as CEL text (normalised spacing, single-quoted strings), for messages. */
  static String print(Node node) {
    if (node instanceof Literal literal) {
      return literal.value() instanceof String s ? Cel.quote(s) : String.valueOf(literal.value());
    }
    if (node instanceof Ident ident) {
      return ident.name();
    }
    if (node instanceof Select select) {
      return print(select.operand()) + "." + select.field();
    }
    if (node instanceof Index index) {
      return print(index.operand()) + "[" + print(index.index()) + "]";
    }
    if (node instanceof Unary unary) {
      return unary.op() + parenthesised(unary.operand());
    }
    if (node instanceof Binary binary) {
      return parenthesised(binary.left()) + " " + binary.op() + " " + parenthesised(binary.right());
    }
    if (node instanceof Conditional c) {
      return print(c.condition()) + " ? " + print(c.then()) + " : " + print(c.otherwise());
    }
    if (node instanceof ListLiteral list) {
      return "["
          + String.join(", ", list.elements().stream().map(CelExpression::print).toList())
          + "]";
    }
    if (node instanceof MapLiteral map) {
      List<String> entries = new ArrayList<>();
      for (int i = 0; i < map.keys().size(); i++) {
        entries.add(print(map.keys().get(i)) + ": " + print(map.values().get(i)));
      }
      return "{" + String.join(", ", entries) + "}";
    }
    Call call = (Call) node;
    String args = String.join(", ", call.args().stream().map(CelExpression::print).toList());
    return (call.target() == null ? "" : print(call.target()) + ".")
        + call.function()
        + "("
        + args
        + ")";
  }

  private static String parenthesised(Node node) {
    return node instanceof Binary || node instanceof Conditional
        ? "(" + print(node) + ")"
        : print(node);
  }

  /** The dotted name of a selection chain of identifiers, e.g. {@code assertion.sub}; else null. */
  static String dottedName(Node node) {
    if (node instanceof Ident ident) {
      return ident.name();
    }
    if (node instanceof Select select) {
      String operand = dottedName(select.operand());
      return operand == null ? null : operand + "." + select.field();
    }
    return null;
  }

  // ----------------------------------------------------------------------------------- lexer

  private enum Kind {
    IDENT,
    STRING,
    INT,
    DOUBLE,
    OP,
    END
  }

  private record Token(Kind kind, String text, Object value, int position) {}

  private static final List<String> OPERATORS =
      List.of(
          "==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "+", "-", "*", "/", "%", "?", ":", ".",
          ",", "(", ")", "[", "]", "{", "}");

  private static List<Token> tokens(String text) {
    List<Token> tokens = new ArrayList<>();
    int i = 0;
    int n = text.length();
    while (i < n) {
      char c = text.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (isQuote(c)
          || (isRawOrBytesPrefix(c) && i + 1 < n && isQuote(text.charAt(i + 1)))) {
        boolean raw = c == 'r' || c == 'R';
        int start = isQuote(c) ? i : i + 1;
        StringBuilder value = new StringBuilder();
        int end = readString(text, start, raw, value);
        tokens.add(new Token(Kind.STRING, text.substring(i, end), value.toString(), i));
        i = end;
      } else if (Character.isDigit(c)) {
        int start = i;
        while (i < n && (Character.isLetterOrDigit(text.charAt(i)) || text.charAt(i) == '.')) {
          i++;
        }
        String number = text.substring(start, i);
        try {
          if (number.startsWith("0x") || number.startsWith("0X")) {
            tokens.add(new Token(Kind.INT, number, Long.parseLong(number.substring(2), 16), start));
          } else if (number.contains(".") || number.contains("e") || number.contains("E")) {
            tokens.add(new Token(Kind.DOUBLE, number, Double.parseDouble(number), start));
          } else {
            tokens.add(new Token(Kind.INT, number, Long.parseLong(number), start));
          }
        } catch (NumberFormatException e) {
          throw syntax(text, start, "malformed number '" + number + "'");
        }
      } else if (Character.isLetter(c) || c == '_') {
        int start = i;
        while (i < n && (Character.isLetterOrDigit(text.charAt(i)) || text.charAt(i) == '_')) {
          i++;
        }
        tokens.add(new Token(Kind.IDENT, text.substring(start, i), null, start));
      } else {
        String op = null;
        for (String candidate : OPERATORS) {
          if (text.startsWith(candidate, i)) {
            op = candidate;
            break;
          }
        }
        if (op == null) {
          throw syntax(text, i, "unexpected character '" + c + "'");
        }
        tokens.add(new Token(Kind.OP, op, null, i));
        i += op.length();
      }
    }
    tokens.add(new Token(Kind.END, "", null, n));
    return tokens;
  }

  private static boolean isQuote(char c) {
    return c == '\'' || c == '"';
  }

  private static boolean isRawOrBytesPrefix(char c) {
    return c == 'r' || c == 'R';
  }

  /** Reads a string literal starting at its opening quote; returns the index after it. */
  private static int readString(String text, int start, boolean raw, StringBuilder value) {
    char quote = text.charAt(start);
    String triple = String.valueOf(quote).repeat(3);
    String end = text.startsWith(triple, start) ? triple : String.valueOf(quote);
    int i = start + end.length();
    while (i < text.length()) {
      if (text.startsWith(end, i)) {
        return i + end.length();
      }
      char c = text.charAt(i);
      if (end.length() == 1 && (c == '\n' || c == '\r')) {
        break;
      }
      if (c == '\\' && !raw) {
        if (i + 1 >= text.length()) {
          break;
        }
        char next = text.charAt(i + 1);
        i += 2;
        switch (next) {
          case 'n' -> value.append('\n');
          case 'r' -> value.append('\r');
          case 't' -> value.append('\t');
          case 'a' -> value.append('\u0007');
          case 'b' -> value.append('\b');
          case 'f' -> value.append('\f');
          case 'v' -> value.append('\u000b');
          case '\\', '\'', '"', '`', '?' -> value.append(next);
          case 'x', 'X' -> {
            value.append((char) hex(text, i, 2));
            i += 2;
          }
          case 'u' -> {
            value.append((char) hex(text, i, 4));
            i += 4;
          }
          default -> throw syntax(text, i - 2, "unknown escape '\\" + next + "'");
        }
      } else {
        value.append(c);
        i++;
      }
    }
    throw syntax(text, start, "unterminated string literal");
  }

  private static int hex(String text, int at, int digits) {
    if (at + digits > text.length()) {
      throw syntax(text, at, "short hex escape");
    }
    try {
      return Integer.parseInt(text.substring(at, at + digits), 16);
    } catch (NumberFormatException e) {
      throw syntax(text, at, "malformed hex escape");
    }
  }

  private static IllegalArgumentException syntax(String text, int position, String problem) {
    return new IllegalArgumentException(
        "CEL syntax error at position " + position + " of '" + text + "': " + problem);
  }

  // ---------------------------------------------------------------------------------- parser

  private static final class Parser {
    private final String text;
    private final List<Token> tokens;
    private int next;
    private int depth;

    Parser(String text) {
      this.text = text;
      this.tokens = tokens(text);
    }

    void expectEnd() {
      if (peek().kind() != Kind.END) {
        throw syntax(text, peek().position(), "unexpected '" + peek().text() + "'");
      }
    }

    /** One level deeper; a chain of n binary operators is n levels, as deep as its tree. */
    private void enter() {
      if (++depth > MAX_DEPTH) {
        throw syntax(text, peek().position(), "nests deeper than " + MAX_DEPTH + " levels");
      }
    }

    Node expression() {
      enter();
      Node condition = or();
      if (accept("?")) {
        Node then = or();
        expect(":");
        Node otherwise = expression();
        condition = new Conditional(condition, then, otherwise);
      }
      depth--;
      return condition;
    }

    private Node or() {
      int entered = depth;
      Node left = and();
      while (accept("||")) {
        enter();
        left = new Binary("||", left, and());
      }
      depth = entered;
      return left;
    }

    private Node and() {
      int entered = depth;
      Node left = relation();
      while (accept("&&")) {
        enter();
        left = new Binary("&&", left, relation());
      }
      depth = entered;
      return left;
    }

    private Node relation() {
      int entered = depth;
      Node left = addition();
      while (true) {
        Token token = peek();
        boolean relational =
            token.kind() == Kind.OP
                && List.of("==", "!=", "<", "<=", ">", ">=").contains(token.text());
        boolean in = token.kind() == Kind.IDENT && token.text().equals("in");
        if (!relational && !in) {
          depth = entered;
          return left;
        }
        next++;
        enter();
        left = new Binary(token.text(), left, addition());
      }
    }

    private Node addition() {
      int entered = depth;
      Node left = multiplication();
      while (peek().kind() == Kind.OP && (peek().text().equals("+") || peek().text().equals("-"))) {
        String op = tokens.get(next++).text();
        enter();
        left = new Binary(op, left, multiplication());
      }
      depth = entered;
      return left;
    }

    private Node multiplication() {
      int entered = depth;
      Node left = unary();
      while (peek().kind() == Kind.OP && List.of("*", "/", "%").contains(peek().text())) {
        String op = tokens.get(next++).text();
        enter();
        left = new Binary(op, left, unary());
      }
      depth = entered;
      return left;
    }

    private Node unary() {
      int entered = depth;
      Node node;
      if (accept("!")) {
        enter();
        node = new Unary("!", unary());
      } else if (accept("-")) {
        enter();
        node = new Unary("-", unary());
      } else {
        node = member();
      }
      depth = entered;
      return node;
    }

    private Node member() {
      int entered = depth;
      Node node = primary();
      while (true) {
        enter();
        if (accept(".")) {
          Token field = expectIdent();
          if (accept("(")) {
            node = new Call(node, field.text(), arguments(")"));
          } else {
            node = new Select(node, field.text());
          }
        } else if (accept("[")) {
          Node index = expression();
          expect("]");
          node = new Index(node, index);
        } else {
          depth = entered;
          return node;
        }
      }
    }

    private Node primary() {
      Token token = tokens.get(next++);
      switch (token.kind()) {
        case STRING, INT, DOUBLE -> {
          return new Literal(token.value());
        }
        case IDENT -> {
          switch (token.text()) {
            case "true" -> {
              return new Literal(Boolean.TRUE);
            }
            case "false" -> {
              return new Literal(Boolean.FALSE);
            }
            case "null" -> {
              return new Literal(null);
            }
            default -> {
              if (accept("(")) {
                return new Call(null, token.text(), arguments(")"));
              }
              return new Ident(token.text());
            }
          }
        }
        case OP -> {
          switch (token.text()) {
            case "(" -> {
              Node inner = expression();
              expect(")");
              return inner;
            }
            case "[" -> {
              return new ListLiteral(arguments("]"));
            }
            case "{" -> {
              List<Node> keys = new ArrayList<>();
              List<Node> values = new ArrayList<>();
              if (!accept("}")) {
                do {
                  keys.add(expression());
                  expect(":");
                  values.add(expression());
                } while (accept(",") && !peekIs("}"));
                expect("}");
              }
              return new MapLiteral(keys, values);
            }
            default -> {}
          }
        }
        default -> {}
      }
      throw syntax(
          text,
          token.position(),
          token.kind() == Kind.END ? "unexpected end" : "unexpected '" + token.text() + "'");
    }

    private List<Node> arguments(String close) {
      List<Node> args = new ArrayList<>();
      if (accept(close)) {
        return args;
      }
      do {
        if (peekIs(close)) {
          break; // trailing comma
        }
        args.add(expression());
      } while (accept(","));
      expect(close);
      return args;
    }

    private Token peek() {
      return tokens.get(next);
    }

    private boolean peekIs(String op) {
      return peek().kind() == Kind.OP && peek().text().equals(op);
    }

    private boolean accept(String op) {
      if (peekIs(op)) {
        next++;
        return true;
      }
      return false;
    }

    private void expect(String op) {
      if (!accept(op)) {
        throw syntax(
            text, peek().position(), "expected '" + op + "' but found '" + peek().text() + "'");
      }
    }

    private Token expectIdent() {
      Token token = tokens.get(next);
      if (token.kind() != Kind.IDENT) {
        throw syntax(text, token.position(), "expected a field name after '.'");
      }
      next++;
      return token;
    }
  }

  // ------------------------------------------------------------------------------- evaluator

  private static final class Evaluator {
    private final Map<String, Object> scope;

    Evaluator(Map<String, ?> variables) {
      this.scope = new LinkedHashMap<>(variables);
    }

    Object eval(Node node) {
      if (node instanceof Literal literal) {
        return literal.value();
      }
      if (node instanceof Ident ident) {
        if (!scope.containsKey(ident.name())) {
          throw error("undeclared reference to '" + ident.name() + "'");
        }
        return scope.get(ident.name());
      }
      if (node instanceof Select select) {
        return select(eval(select.operand()), select.field());
      }
      if (node instanceof Index index) {
        return index(eval(index.operand()), eval(index.index()));
      }
      if (node instanceof Unary unary) {
        return unary(unary);
      }
      if (node instanceof Binary binary) {
        return binary(binary);
      }
      if (node instanceof Conditional conditional) {
        return bool(eval(conditional.condition()), "?:")
            ? eval(conditional.then())
            : eval(conditional.otherwise());
      }
      if (node instanceof ListLiteral list) {
        List<Object> values = new ArrayList<>();
        list.elements().forEach(e -> values.add(eval(e)));
        return values;
      }
      if (node instanceof MapLiteral map) {
        Map<Object, Object> values = new LinkedHashMap<>();
        for (int i = 0; i < map.keys().size(); i++) {
          values.put(eval(map.keys().get(i)), eval(map.values().get(i)));
        }
        return values;
      }
      return call((Call) node);
    }

    private Object select(Object operand, String field) {
      if (operand instanceof Map<?, ?> map) {
        if (!map.containsKey(field)) {
          throw error("no such key: '" + field + "'");
        }
        return map.get(field);
      }
      throw error("cannot select '" + field + "' from " + typeName(operand));
    }

    private Object index(Object operand, Object index) {
      if (operand instanceof Map<?, ?> map) {
        if (!map.containsKey(index)) {
          throw error("no such key: " + show(index));
        }
        return map.get(index);
      }
      if (operand instanceof List<?> list && index instanceof Long i) {
        if (i < 0 || i >= list.size()) {
          throw error("index " + i + " out of range");
        }
        return list.get(i.intValue());
      }
      throw error("cannot index " + typeName(operand) + " with " + typeName(index));
    }

    private Object unary(Unary unary) {
      Object value = eval(unary.operand());
      if (unary.op().equals("!")) {
        return !bool(value, "!");
      }
      if (value instanceof Long l) {
        return -l;
      }
      if (value instanceof Double d) {
        return -d;
      }
      throw error("no such overload: -" + typeName(value));
    }

    private Object binary(Binary binary) {
      String op = binary.op();
      if (op.equals("&&") || op.equals("||")) {
        return logical(op, binary.left(), binary.right());
      }
      Object left = eval(binary.left());
      Object right = eval(binary.right());
      return switch (op) {
        case "==" -> same(left, right);
        case "!=" -> !same(left, right);
        case "<", "<=", ">", ">=" -> compare(op, left, right);
        case "in" -> {
          if (right instanceof List<?> list) {
            yield list.stream().anyMatch(element -> same(left, element));
          }
          if (right instanceof Map<?, ?> map) {
            yield map.containsKey(left);
          }
          throw error("no such overload: " + typeName(left) + " in " + typeName(right));
        }
        case "+" -> plus(left, right);
        default -> arithmetic(op, left, right);
      };
    }

    /** CEL's commutative logic: an error on one side is absorbed if the other side decides. */
    private Object logical(String op, Node leftNode, Node rightNode) {
      boolean decisive = op.equals("||");
      Boolean left = null;
      EvaluationException leftError = null;
      try {
        left = bool(eval(leftNode), op);
      } catch (EvaluationException e) {
        leftError = e;
      }
      if (left != null && left == decisive) {
        return decisive;
      }
      boolean right = bool(eval(rightNode), op);
      if (right == decisive) {
        return decisive;
      }
      if (leftError != null) {
        throw leftError;
      }
      return !decisive;
    }

    private Object plus(Object left, Object right) {
      if (left instanceof String a && right instanceof String b) {
        return a + b;
      }
      if (left instanceof List<?> a && right instanceof List<?> b) {
        List<Object> joined = new ArrayList<>(a);
        joined.addAll(b);
        return joined;
      }
      return arithmetic("+", left, right);
    }

    private Object arithmetic(String op, Object left, Object right) {
      if (left instanceof Long a && right instanceof Long b) {
        return switch (op) {
          case "+" -> a + b;
          case "-" -> a - b;
          case "*" -> a * b;
          default -> {
            if (b == 0) {
              throw error("division by zero");
            }
            yield op.equals("/") ? a / b : a % b;
          }
        };
      }
      throw error("no such overload: " + typeName(left) + " " + op + " " + typeName(right));
    }

    private boolean compare(String op, Object left, Object right) {
      int order;
      if (left instanceof String a && right instanceof String b) {
        order = a.compareTo(b);
      } else if (left instanceof Number a && right instanceof Number b) {
        order = Double.compare(a.doubleValue(), b.doubleValue());
      } else {
        throw error("no such overload: " + typeName(left) + " " + op + " " + typeName(right));
      }
      return switch (op) {
        case "<" -> order < 0;
        case "<=" -> order <= 0;
        case ">" -> order > 0;
        default -> order >= 0;
      };
    }

    private Object call(Call call) {
      String function = call.function();
      if (call.target() == null && function.equals("has")) {
        return has(call);
      }
      if (call.target() != null && (function.equals("exists") || function.equals("all"))) {
        return quantifier(call);
      }
      List<Object> args = new ArrayList<>();
      if (call.target() != null) {
        args.add(eval(call.target()));
      }
      call.args().forEach(a -> args.add(eval(a)));
      return switch (function) {
        case "startsWith" -> string(args, 0, function).startsWith(string(args, 1, function));
        case "endsWith" -> string(args, 0, function).endsWith(string(args, 1, function));
        case "contains" -> string(args, 0, function).contains(string(args, 1, function));
        case "matches" -> matches(string(args, 0, function), string(args, 1, function));
        case "lowerAscii" -> lowerAscii(string(args, 0, function));
        case "upperAscii" -> upperAscii(string(args, 0, function));
        case "extract" -> extract(string(args, 0, function), string(args, 1, function));
        case "size" -> size(arity(args, 1, function).get(0));
        case "string" -> stringOf(arity(args, 1, function).get(0));
        case "int" -> intOf(arity(args, 1, function).get(0));
        default -> throw error("unknown function '" + function + "'");
      };
    }

    private Object has(Call call) {
      if (call.args().size() != 1 || !(call.args().get(0) instanceof Select select)) {
        throw error("has() takes one field selection, e.g. has(assertion.environment)");
      }
      Object operand = eval(select.operand());
      if (operand instanceof Map<?, ?> map) {
        return map.containsKey(select.field());
      }
      throw error("has() on " + typeName(operand));
    }

    private Object quantifier(Call call) {
      if (call.args().size() != 2 || !(call.args().get(0) instanceof Ident variable)) {
        throw error(call.function() + "() takes a variable name and a predicate");
      }
      Object range = eval(call.target());
      List<?> elements =
          range instanceof List<?> list
              ? list
              : range instanceof Map<?, ?> map ? new ArrayList<>(map.keySet()) : null;
      if (elements == null) {
        throw error(call.function() + "() on " + typeName(range));
      }
      boolean all = call.function().equals("all");
      Object shadowed = scope.get(variable.name());
      boolean hadShadowed = scope.containsKey(variable.name());
      try {
        for (Object element : elements) {
          scope.put(variable.name(), element);
          boolean holds = bool(eval(call.args().get(1)), call.function());
          if (holds != all) {
            return !all;
          }
        }
        return all;
      } finally {
        if (hadShadowed) {
          scope.put(variable.name(), shadowed);
        } else {
          scope.remove(variable.name());
        }
      }
    }

    private static boolean matches(String value, String regex) {
      try {
        // CEL's matches() is RE2 and unanchored: a match anywhere in the string counts. RE2J, like
        // RE2, runs in time linear in the value: a hostile pattern cannot backtrack for ever.
        return Pattern.compile(regex).matcher(value).find();
      } catch (PatternSyntaxException e) {
        throw error("invalid regular expression '" + regex + "': " + e.getDescription());
      }
    }

    /**
     * GCP's extract(): the part of the value between the template's text before and after its one
     * {@code {name}} placeholder; empty when the text around it is not found.
     */
    private static String extract(String value, String template) {
      int open = template.indexOf('{');
      int close = template.indexOf('}', open + 1);
      if (open < 0 || close < 0) {
        throw error("extract() template '" + template + "' needs one {placeholder}");
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

    private static String lowerAscii(String value) {
      StringBuilder out = new StringBuilder(value.length());
      value.chars().forEach(c -> out.append((char) (c >= 'A' && c <= 'Z' ? c + 32 : c)));
      return out.toString();
    }

    private static String upperAscii(String value) {
      StringBuilder out = new StringBuilder(value.length());
      value.chars().forEach(c -> out.append((char) (c >= 'a' && c <= 'z' ? c - 32 : c)));
      return out.toString();
    }

    private static Object size(Object value) {
      if (value instanceof String s) {
        return (long) s.codePointCount(0, s.length());
      }
      if (value instanceof List<?> list) {
        return (long) list.size();
      }
      if (value instanceof Map<?, ?> map) {
        return (long) map.size();
      }
      throw error("no such overload: size(" + typeName(value) + ")");
    }

    private static Object stringOf(Object value) {
      if (value instanceof String || value instanceof Long || value instanceof Boolean) {
        return String.valueOf(value);
      }
      if (value instanceof Double d) {
        return d.toString();
      }
      throw error("no such overload: string(" + typeName(value) + ")");
    }

    private static Object intOf(Object value) {
      if (value instanceof Long l) {
        return l;
      }
      if (value instanceof Double d) {
        return d.longValue();
      }
      if (value instanceof String s) {
        try {
          return Long.parseLong(s);
        } catch (NumberFormatException e) {
          throw error("int() of non-numeric string " + show(s));
        }
      }
      throw error("no such overload: int(" + typeName(value) + ")");
    }

    private static List<Object> arity(List<Object> args, int count, String function) {
      if (args.size() != count) {
        throw error(function + "() takes " + count + " argument(s), got " + args.size());
      }
      return args;
    }

    private static String string(List<Object> args, int at, String function) {
      if (at >= args.size() || args.size() != 2) {
        throw error(function + "() is called on a string with one string argument");
      }
      if (args.get(at) instanceof String s) {
        return s;
      }
      throw error(
          "no such overload: " + function + " on " + typeName(args.get(at)) + " (needs a string)");
    }

    private static boolean bool(Object value, String op) {
      if (value instanceof Boolean b) {
        return b;
      }
      throw error("'" + op + "' needs a bool, got " + typeName(value) + " " + show(value));
    }

    private static boolean same(Object a, Object b) {
      if (a instanceof Number x && b instanceof Number y) {
        return x.doubleValue() == y.doubleValue();
      }
      return Objects.equals(a, b);
    }
  }

  static String typeName(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof String) {
      return "string";
    }
    if (value instanceof Long) {
      return "int";
    }
    if (value instanceof Double) {
      return "double";
    }
    if (value instanceof Boolean) {
      return "bool";
    }
    if (value instanceof List) {
      return "list";
    }
    if (value instanceof Map) {
      return "map";
    }
    return value.getClass().getSimpleName();
  }

  static String show(Object value) {
    return value instanceof String s ? "'" + s + "'" : String.valueOf(value);
  }

  private static EvaluationException error(String message) {
    return new EvaluationException(message);
  }

  @Override
  public String toString() {
    return text;
  }
}
