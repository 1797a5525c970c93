import Foundation
import Photosensitivity
import TextOutput

/// The words every report format shares: the verdict sentence, names, numbers.
public enum VerdictText {
  /// The standard a profile applies, as a reader knows it.
  public static func standard(_ profile: Profile) -> String {
    switch profile {
    case .wcag: return "WCAG 2.3.1 (three flashes or below threshold)"
    case .ofcom: return "the Ofcom flashing-images guidance (ITU-R BT.1702)"
    case .iris: return "the IRIS photosensitivity algorithm"
    case .bt1702: return "ITU-R BT.1702-3 (absolute luminance, SDR and HDR)"
    }
  }

  public static func label(_ verdict: Verdict) -> String {
    switch verdict {
    case .pass: return "PASS"
    case .warning: return "WARNING"
    case .fail: return "FAIL"
    case .incomplete: return "INCOMPLETE"
    }
  }

  public static func kind(_ kind: IncidentKind) -> String {
    switch kind {
    case .luminance: return "luminance flash"
    case .red: return "red flash"
    case .extended: return "extended flashing"
    case .pattern: return "harmful regular pattern"
    }
  }

  /// One sentence explaining the verdict: what failed (or warned), when first, how fast and how
  /// large; for a pass, the strongest flashing seen.
  static func sentence(_ d: ReportDocument) -> String {
    let standard = standard(d.profile)
    let limit = NumberText.fixed(Double(d.parameters.maxTransitions) / 2)
    let worst = d.incidents.filter { $0.verdict == d.verdict }
    let listed = incidentCounts(d.incidents)
    switch d.verdict {
    case .incomplete:
      let found =
        d.incidents.isEmpty
        ? "no incidents in that part"
        : "\(listed) in that part; the worst of them is \(label(d.incidents.map(\.verdict).max() ?? .pass))"
      return
        "Incomplete: the input could not be read whole, so it cannot pass \(standard); only \(seconds(d.input.duration)) (\(d.input.frameCount) frames) were analysed, \(found)."

    case .pass:
      let peak =
        d.criteria.filter { $0.peakUnit == "transitions per second" }.map(\.peak).max() ?? 0
      let peakText =
        peak == 0
        ? "no flashing over an area above the limit was found"
        : "the most over an area above the limit was \(NumberText.fixed(Double(peak) / 2)) flashes per second"
      return
        "Passes \(standard): no more than \(limit) flashes in any one second; \(peakText)."
    case .warning, .fail:
      guard let first = worst.first else {
        return "\(d.verdict == .fail ? "Fails" : "Warning under") \(standard)."
      }
      let flashes = worst.filter { $0.kind != .pattern }
      let peak = flashes.map(\.peakFlashesPerSecond).max() ?? first.peakFlashesPerSecond
      let largest = worst.max { $0.largestScreenShare < $1.largestScreenShare } ?? first
      var area = "up to \(percent(largest.largestScreenShare)) of the screen"
      if let field = largest.largestFieldShare {
        area += " (\(percent(field)) of a 10-degree field)"
      }
      let kinds = orderedKinds(worst.map(\.kind)).map(kind).joined(separator: " and ")
      let verb = d.verdict == .fail ? "Fails" : "Warning under"
      var paces: [String] = []
      if !flashes.isEmpty {
        paces.append(
          flashes.allSatisfy { $0.kind == .extended }
            ? "sustained flashing just under the limit"
            : "up to \(NumberText.fixed(peak)) flashes per second (limit \(limit))")
      }
      let patterns = worst.compactMap(\.pattern)
      if let pairs = patterns.map(\.pairs).max() {
        let motions = PatternMotion.allCases.filter { m in patterns.contains { $0.motion == m } }
        paces.append(
          "a regular pattern of up to \(pairs) light-dark pairs (\(motions.map(\.rawValue).joined(separator: ", ")))"
        )
      }
      let pace = paces.joined(separator: "; ")
      return
        "\(verb) \(standard): \(kinds), \(pace), \(area), first at \(first.startTimecode) (\(seconds(first.start))); \(listed)."
    }
  }

  /// `1 incident` or `3 incidents (2 fail, 1 warning)`: the listed incidents, per verdict.
  static func incidentCounts(_ incidents: [IncidentReport]) -> String {
    let total = incidents.count == 1 ? "1 incident" : "\(incidents.count) incidents"
    let verdicts = Set(incidents.map(\.verdict))
    guard verdicts.count > 1 else { return total }
    let parts = verdicts.sorted(by: >).map { v in
      "\(incidents.filter { $0.verdict == v }.count) \(v.rawValue)"
    }
    return total + " (" + parts.joined(separator: ", ") + ")"
  }

  static func orderedKinds(_ kinds: [IncidentKind]) -> [IncidentKind] {
    IncidentKind.allCases.filter { kinds.contains($0) }
  }

  /// `0.375` -> `37.5%`, one decimal at most, no trailing zero.
  public static func percent(_ share: Double) -> String {
    NumberText.fixed(share * 100, decimals: 1) + "%"
  }

  /// `12.5 s`.
  public static func seconds(_ s: Double) -> String { NumberText.fixed(s, decimals: 3) + " s" }

  /// `1,048,576 bytes` style grouping for sizes.
  public static func bytes(_ n: Int64) -> String {
    let digits = String(n)
    var out = ""
    for (i, c) in digits.reversed().enumerated() {
      if i > 0 && i % 3 == 0 { out.append(",") }
      out.append(c)
    }
    return String(out.reversed()) + " bytes"
  }

  /// The colour line: `smpte2084 transfer, bt2020 primaries, bt2020nc matrix, tv range, 10-bit,
  /// HDR`; nil when the report has no colour facts.
  static func colorLine(_ input: InputFacts) -> String? {
    guard let transfer = input.transfer else { return nil }
    var parts = ["\(transfer) transfer"]
    if let p = input.primaries { parts.append("\(p) primaries") }
    if let m = input.matrix { parts.append("\(m) matrix") }
    if let r = input.range { parts.append("\(r) range") }
    if let b = input.bitDepth { parts.append("\(b)-bit") }
    parts.append(input.hdr == true ? "HDR" : "SDR")
    return parts.joined(separator: ", ")
  }

  /// The facts line about the video: `1280x720, 25 fps, 10.000 s, 250 frames`.
  static func videoLine(_ input: InputFacts) -> String {
    var parts = ["\(input.width)x\(input.height)"]
    if let rate = input.frameRate { parts.append("\(NumberText.fixed(rate, decimals: 3)) fps") }
    parts.append(seconds(input.duration))
    parts.append("\(input.frameCount) frames")
    if let codec = input.codec { parts.append(codec) }
    return parts.joined(separator: ", ")
  }

  /// `flashscan 0.1.0 (commit 911e616)`, or `(commit unknown)` when the build was not told it.
  public static func toolLine(_ tool: ToolInfo) -> String {
    "\(tool.name) \(tool.version) (commit \(tool.commit ?? "unknown"))"
  }
}
