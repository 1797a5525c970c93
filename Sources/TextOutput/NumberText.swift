import Foundation

/// Numbers as text, in the three layouts flashscan writes:
///
/// - `shortest(_:)`: the T table (`flashscan`'s CSV and JSON Lines): shortest round-trip digits in
///   ECMAScript's layout.
/// - `shortestDescription(_:)`: the frames CSV of the reports: the same digits in Swift's own
///   `description` layout (it switches to exponent form sooner).
/// - `fixed(_:decimals:)`: the words of the reports: at most N decimals, trailing zeros dropped.
public enum NumberText {
  /// The shortest text that reads back to the same `Double`.
  ///
  /// The digits are the shortest round-trip digits (Swift's own `description` already computes
  /// them); the layout is ECMAScript's Number-to-String: plain decimals for 1e-7 <= |x| < 1e21,
  /// exponent form (`1e-7`, `1.5e+21`) outside. Integers print without a fraction (`12`, not
  /// `12.0`), zero prints as `0` (never `-0` or `0.0`). The result is valid in CSV and in JSON.
  public static func shortest(_ value: Double) -> String {
    if value == 0 { return "0" }  // also -0
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
    if value < 0 { return "-" + shortest(-value) }
    let (digits, pointPosition) = decimalDigits(of: value)
    return layout(digits: digits, pointPosition: pointPosition)
  }

  /// The shortest round-trip digits of a positive finite value, without leading or trailing zeros,
  /// and where the decimal point goes: value = 0.DIGITS * 10^pointPosition.
  static func decimalDigits(of value: Double) -> (digits: [UInt8], pointPosition: Int) {
    let text = Array(value.description.utf8)
    var mantissa = text[...]
    var exponent = 0
    if let e = text.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
      mantissa = text[..<e]
      exponent = Int(String(decoding: text[(e + 1)...], as: UTF8.self))!
    }
    var digits: [UInt8] = []
    var integerDigits = 0
    var seenPoint = false
    for c in mantissa {
      if c == UInt8(ascii: ".") {
        seenPoint = true
        continue
      }
      digits.append(c)
      if !seenPoint { integerDigits += 1 }
    }
    var point = integerDigits + exponent
    while let first = digits.first, first == UInt8(ascii: "0") {
      digits.removeFirst()
      point -= 1
    }
    while let last = digits.last, last == UInt8(ascii: "0") { digits.removeLast() }
    return (digits, point)
  }

  static func layout(digits: [UInt8], pointPosition n: Int) -> String {
    let k = digits.count
    let zero = UInt8(ascii: "0")
    var out: [UInt8] = []
    if k <= n && n <= 21 {
      out = digits + [UInt8](repeating: zero, count: n - k)
    } else if 0 < n && n <= 21 {
      out = Array(digits[..<n]) + [UInt8(ascii: ".")] + Array(digits[n...])
    } else if -6 < n && n <= 0 {
      out = [zero, UInt8(ascii: ".")] + [UInt8](repeating: zero, count: -n) + digits
    } else {
      let e = n - 1
      out = [digits[0]]
      if k > 1 { out += [UInt8(ascii: ".")] + Array(digits[1...]) }
      out += Array((e < 0 ? "e-\(-e)" : "e+\(e)").utf8)
    }
    return String(decoding: out, as: UTF8.self)
  }
}

extension NumberText {
  /// The shortest text that reads back as the same Double in Swift's `description` layout, with
  /// integers below 1e15 printed without a fraction (`2`, not `2.0`) and zero as `0` (never `-0`).
  /// Unlike `shortest`, exponent form starts below 1e-4 and from 2^53 (`5e-05`, `1e+16`), and
  /// NaN prints as `nan`. The frames CSV uses it (kept apart from `shortest` so that its bytes do
  /// not change).
  public static func shortestDescription(_ x: Double) -> String {
    if x == 0 { return "0" }
    if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
    return "\(x)"
  }

  /// A short decimal: at most `decimals` places, trailing zeros dropped, never `-0`; `n/a`, `inf`
  /// and `-inf` for the non-finite values (`0.375 * 100` with 1 decimal is `37.5`, `2.0` is `2`).
  public static func fixed(_ x: Double, decimals: Int = 2) -> String {
    guard x.isFinite else { return x.isNaN ? "n/a" : (x > 0 ? "inf" : "-inf") }
    var text = String(format: "%.\(decimals)f", x)
    if text.contains(".") {
      while text.hasSuffix("0") { text.removeLast() }
      if text.hasSuffix(".") { text.removeLast() }
    }
    if text == "-0" { text = "0" }
    return text
  }
}
