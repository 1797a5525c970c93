/// String escaping for the formats flashscan writes: one loop over the Unicode scalars, with a
/// replacement rule per format.
public enum Escaping {
  /// `text` with each scalar that `replacement` maps replaced by its text; others kept.
  public static func replacing(_ text: String, _ replacement: (Unicode.Scalar) -> String?) -> String
  {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      if let r = replacement(scalar) {
        out += r
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
    return out
  }

  /// A JSON string literal: quotes, backslashes and control characters escaped.
  public static func json(_ text: String) -> String {
    "\""
      + replacing(text) { scalar in
        switch scalar {
        case "\"": return "\\\""
        case "\\": return "\\\\"
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        default:
          guard scalar.value < 0x20 || scalar.value == 0x7F else { return nil }
          let hex = String(scalar.value, radix: 16)
          return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        }
      } + "\""
  }

  /// A name (a file path, an argument) as it is shown to a person on a terminal: one line with no
  /// control characters, so a name cannot move the cursor, retitle the window, erase the screen or
  /// split a line in two. A backslash becomes `\\`, newline, carriage return and tab become `\n`,
  /// `\r` and `\t`, and the other C0 controls (U+0000-U+001F), DEL (U+007F) and the C1 controls
  /// (U+0080-U+009F) become `\xNN` with NN their code point in two lowercase hex digits (ESC is
  /// `\x1b`). Every other character, any script or emoji, is kept. Since the backslash itself is
  /// escaped, the escaped text reads back unambiguously. Machine formats (CSV, JSON) have their
  /// own quoting and keep the real name.
  public static func terminal(_ text: String) -> String {
    replacing(text) { scalar in
      switch scalar {
      case "\\": return "\\\\"
      case "\n": return "\\n"
      case "\r": return "\\r"
      case "\t": return "\\t"
      default:
        let v = scalar.value
        guard v < 0x20 || (0x7F...0x9F).contains(v) else { return nil }
        let hex = String(v, radix: 16)
        return "\\x" + (hex.count < 2 ? "0" : "") + hex
      }
    }
  }

  /// Text for HTML bodies and attribute values (file names are user-controlled); control
  /// characters other than tab and newline become U+FFFD, since they have no business in a page.
  public static func html(_ text: String) -> String {
    replacing(text) { c in
      switch c {
      case "&": return "&amp;"
      case "<": return "&lt;"
      case ">": return "&gt;"
      case "\"": return "&quot;"
      case "'": return "&#39;"
      default:
        return c.value < 0x20 && c != "\t" && c != "\n" || c.value == 0x7F ? "&#xFFFD;" : nil
      }
    }
  }
}
