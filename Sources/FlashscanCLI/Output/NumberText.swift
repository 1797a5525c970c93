/// Numbers as the shortest text that reads back to the same `Double`.
///
/// The digits are the shortest round-trip digits (Swift's own `description` already computes them);
/// the layout is ECMAScript's Number-to-String: plain decimals for 1e-7 <= |x| < 1e21, exponent form
/// (`1e-7`, `1.5e+21`) outside. Integers print without a fraction (`12`, not `12.0`), zero prints as
/// `0` (never `-0` or `0.0`). The result is valid in CSV and in JSON.
enum NumberText {
  static func shortest(_ value: Double) -> String {
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
