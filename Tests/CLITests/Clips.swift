import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Test clips made with the ffmpeg CLI, and the spec's T table computed independently of the
/// project's code (plain Double, sort-based; flashinator-spec.md "Steps").
enum Clips {
  /// Deterministic frames with the spec's awkward cases: random frames, a frame where 3 pixels
  /// brighten by 30 and all others darken by 4, a repeated frame (T = 0), uniform frames.
  static func frames(count: Int, width: Int, height: Int, seed: UInt64) -> [UInt8] {
    var state = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    func next() -> UInt8 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return UInt8(truncatingIfNeeded: state >> 33)
    }
    let size = width * height * 3
    var out: [UInt8] = []
    var previous = [UInt8](repeating: 0, count: size)
    for f in 0..<count {
      var frame: [UInt8]
      switch f % 5 {
      case 2:
        frame = previous.map { $0 >= 12 ? $0 - 12 : 0 }
        for p in 0..<3 {
          for c in 0..<3 { frame[p * 3 + c] = UInt8(min(255, Int(previous[p * 3 + c]) + 30)) }
        }
      case 3:
        frame = previous
      case 4:
        frame = [UInt8](repeating: next(), count: size)
      default:
        frame = (0..<size).map { _ in next() }
      }
      out += frame
      previous = frame
    }
    return out
  }

  /// Writes lossless FFV1 in Matroska (planar RGB, so the CLI's rgb24 equals `rgb` exactly).
  static func writeFFV1(
    _ rgb: [UInt8], width: Int, height: Int, to path: String, rate: String = "25"
  ) throws {
    try FFmpegCLI.encodeRGB24(
      rgb, width: width, height: height, rate: rate, to: path, ["-c:v", "ffv1", "-pix_fmt", "gbrp"])
  }

  /// A small lossless clip; `frames` frames of `width` x `height`.
  @discardableResult
  static func lossless(
    _ path: String, frames: Int = 12, width: Int = 16, height: Int = 12, seed: UInt64 = 1
  ) throws
    -> [UInt8]
  {
    let rgb = Self.frames(count: frames, width: width, height: height, seed: seed)
    try writeFFV1(rgb, width: width, height: height, to: path)
    return rgb
  }

  struct RefRow: Equatable {
    var t: Double
    var pos: Double
    var neg: Double
  }

  /// The spec's T table over raw rgb24 frames.
  static func referenceTable(rgb: [UInt8], width: Int, height: Int, k: Int = 5) -> [RefRow] {
    let pixels = width * height
    let frames = rgb.count / (pixels * 3)
    func luminance(_ f: Int) -> [Double] {
      (0..<pixels).map { p in
        let i = (f * pixels + p) * 3
        let g = Double(Int(rgb[i]) + Int(rgb[i + 1]) + Int(rgb[i + 2])) / 3
        return 4 * pow(0.2 * g + 1, 2.2)
      }
    }
    var rows: [RefRow] = []
    var previous = frames > 0 ? luminance(0) : []
    for f in stride(from: 1, to: frames, by: 1) {
      let current = luminance(f)
      let d = zip(current, previous).map { $0 - $1 }
      let m = min(k, pixels)
      let up = d.map { max($0, 0) }.sorted(by: >).prefix(m)
      let down = d.map { max(-$0, 0) }.sorted(by: >).prefix(m)
      let p = up.reduce(0, +) / Double(m)
      let n = down.reduce(0, +) / Double(m)
      rows.append(RefRow(t: p > n ? p : (n == 0 ? 0 : -n), pos: p, neg: n == 0 ? 0 : -n))
      previous = current
    }
    return rows
  }

  static func close(_ a: Double, _ b: Double) -> Bool {
    a == b || abs(a - b) <= 1e-9 * max(abs(a), abs(b))
  }
}

/// Parsed CSV of a flashscan table.
struct Table {
  var header: [String]
  var rows: [[String]]

  init(_ text: String) {
    let records = CSVReader.parse(text)
    header = records.first ?? []
    rows = Array(records.dropFirst())
  }

  func column(_ name: String) -> [String] {
    guard let i = header.firstIndex(of: name) else { return [] }
    return rows.map { $0[i] }
  }
}

/// The tests' own RFC 4180 reader (independent of the CLI's writer).
enum CSVReader {
  static func parse(_ text: String) -> [[String]] {
    var records: [[String]] = []
    var record: [String] = []
    var field = ""
    var quoted = false
    var chars = Array(text.unicodeScalars)[...]
    while let c = chars.popFirst() {
      if quoted {
        if c == "\"" {
          if chars.first == "\"" {
            field.unicodeScalars.append("\"")
            chars.removeFirst()
          } else {
            quoted = false
          }
        } else {
          field.unicodeScalars.append(c)
        }
      } else if c == "\"" {
        quoted = true
      } else if c == "," {
        record.append(field)
        field = ""
      } else if c == "\n" {
        record.append(field)
        records.append(record)
        record = []
        field = ""
      } else {
        field.unicodeScalars.append(c)
      }
    }
    if !field.isEmpty || !record.isEmpty {
      record.append(field)
      records.append(record)
    }
    return records
  }
}
