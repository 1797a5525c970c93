import Foundation
import Photosensitivity

/// When a report was made: the clock, or `SOURCE_DATE_EPOCH` when it is set (the
/// reproducible-builds convention, https://reproducible-builds.org/specs/source-date-epoch/), so
/// the same input and options can still give the same bytes.
public enum ReportTime {
  /// The latest time `SOURCE_DATE_EPOCH` may give: 9999-12-31T23:59:59Z.
  public static let maximumEpoch: Int64 = 253_402_300_799

  /// `SOURCE_DATE_EPOCH` (whole seconds since 1970-01-01T00:00:00Z, 0 to `maximumEpoch`) when
  /// the environment sets it, else `now`. Throws on a value that is not such a number (the
  /// convention asks a tool to refuse a malformed value rather than guess).
  public static func creationDate(
    environment: [String: String] = ProcessInfo.processInfo.environment, now: () -> Date = Date.init
  ) throws -> Date {
    guard let text = environment["SOURCE_DATE_EPOCH"] else { return now() }
    guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
      let seconds = Int64(text), seconds <= maximumEpoch
    else { throw ReportTimeError(value: text) }
    return Date(timeIntervalSince1970: TimeInterval(seconds))
  }

  /// ISO 8601 in UTC to the second: `2026-11-30T05:46:38Z`.
  public static func iso8601(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.string(
      from: Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)))
  }
}

/// A `SOURCE_DATE_EPOCH` that is not a whole number of seconds in range.
public struct ReportTimeError: Error, CustomStringConvertible {
  public var value: String
  public var description: String {
    "SOURCE_DATE_EPOCH=\(value) is not a whole number of seconds since 1970-01-01T00:00:00Z"
      + " (0 to \(ReportTime.maximumEpoch))"
  }
}

/// The command line that runs an analysis again: the profile and every parameter that differs
/// from the profile's defaults, as the scan command's options, and the input.
public enum ReproduceCommand {
  /// Where the re-run writes its report (not the usual `report.json`, so running the command
  /// in the folder of the original report does not overwrite it).
  public static let reportName = "reproduced.json"

  /// `flashscan --profile P [options] --report reproduced.json [--] FILE`, shell-quoted to run as
  /// written from the folder the original run started in (`input.path` is as given there). A
  /// name starting with `-` follows `--`; `-` (standard input) stays `-`. When a parameter has
  /// no option (it was set through the library), the command ends with a note saying so.
  public static func command(path: String, parameters p: AnalysisParameters) -> String {
    let (options, complete) = arguments(for: p)
    var words = ["flashscan"] + options.map(shellQuote) + ["--report", reportName]
    if path.hasPrefix("-") && path != "-" { words.append("--") }
    words.append(shellQuote(path))
    let command = words.joined(separator: " ")
    return complete
      ? command
      : command + "  # plus parameters no option sets (see \"parameters\"): not reproduced"
  }

  /// The options that give `p`, and whether they give all of it (false when some parameter is
  /// one no option sets, e.g. a display model changed through the library).
  public static func arguments(for p: AnalysisParameters) -> (options: [String], complete: Bool) {
    let d = AnalysisParameters(profile: p.profile)
    var rest = p  // every field an option sets is put back to the default; the rest must match
    var out = ["--profile", p.profile.rawValue]
    func number(_ x: Double) -> String { "\(x)" }
    func option(_ name: String, _ value: String) { out += [name, value] }
    if p.flashThreshold != d.flashThreshold {
      option("--flash-threshold", number(p.flashThreshold))
    }
    rest.flashThreshold = d.flashThreshold
    if p.darkThreshold != d.darkThreshold { option("--dark-threshold", number(p.darkThreshold)) }
    rest.darkThreshold = d.darkThreshold
    if p.redRules != d.redRules, !p.redRules.isEmpty {
      out += ["--red-rules"] + p.redRules.map(\.rawValue)
      rest.redRules = d.redRules
    }
    if p.redSaturationRatio != d.redSaturationRatio {
      option("--red-ratio", number(p.redSaturationRatio))
    }
    rest.redSaturationRatio = d.redSaturationRatio
    if p.redThreshold != d.redThreshold { option("--red-threshold", number(p.redThreshold)) }
    rest.redThreshold = d.redThreshold
    if p.redChromaticityDistance != d.redChromaticityDistance {
      option("--red-distance", number(p.redChromaticityDistance))
    }
    rest.redChromaticityDistance = d.redChromaticityDistance
    if p.redMinimumLuminance != d.redMinimumLuminance {
      option("--red-min-luminance", number(p.redMinimumLuminance))
    }
    rest.redMinimumLuminance = d.redMinimumLuminance
    if p.maxTransitions != d.maxTransitions { option("--max-transitions", "\(p.maxTransitions)") }
    rest.maxTransitions = d.maxTransitions
    if p.minTransitions != d.minTransitions { option("--min-transitions", "\(p.minTransitions)") }
    rest.minTransitions = d.minTransitions
    if p.windowSeconds != d.windowSeconds { option("--window", number(p.windowSeconds)) }
    rest.windowSeconds = d.windowSeconds
    if p.extendedWindowSeconds != d.extendedWindowSeconds {
      option("--extended-window", number(p.extendedWindowSeconds))
    }
    rest.extendedWindowSeconds = d.extendedWindowSeconds
    if p.extendedSeconds != d.extendedSeconds {
      option("--extended-seconds", number(p.extendedSeconds))
    }
    rest.extendedSeconds = d.extendedSeconds
    if p.extendedVerdict != d.extendedVerdict {
      option("--extended-verdict", p.extendedVerdict.rawValue)
    }
    rest.extendedVerdict = d.extendedVerdict
    if p.fieldAreaReading != d.fieldAreaReading {
      option("--field-area", p.fieldAreaReading.rawValue)
    }
    rest.fieldAreaReading = d.fieldAreaReading
    if p.screenAreaShare != d.screenAreaShare {
      option("--screen-share", number(p.screenAreaShare))
    }
    rest.screenAreaShare = d.screenAreaShare
    if p.leadingEdgeExemptionSeconds != d.leadingEdgeExemptionSeconds {
      if let s = p.leadingEdgeExemptionSeconds {
        if s > 0 {
          option("--leading-edge", number(s))
          rest.leadingEdgeExemptionSeconds = d.leadingEdgeExemptionSeconds
        }
      } else {
        option("--leading-edge", "0")
        rest.leadingEdgeExemptionSeconds = d.leadingEdgeExemptionSeconds
      }
    }
    if p.gridColumns != d.gridColumns || p.gridRows != d.gridRows {
      option("--grid", "\(p.gridColumns)x\(p.gridRows)")
    }
    rest.gridColumns = d.gridColumns
    rest.gridRows = d.gridRows
    if let fps = p.irisFrameRate, fps != d.irisFrameRate {
      option("--iris-fps", "\(fps)")
      rest.irisFrameRate = d.irisFrameRate
    }
    if let peak = p.bt1702Display?.hlgPeak, let base = d.bt1702Display?.hlgPeak, peak != base {
      option("--hlg-peak", number(peak))
      rest.bt1702Display?.hlgPeak = base
      if case .bt1702(var model, let transfer) = rest.patterns?.lightScale {
        model.hlgPeak = base
        rest.patterns?.lightScale = .bt1702(model, transfer)
      }
    }
    if d.patterns == nil, let patterns = p.patterns,
      patterns == PatternRule.enabledRule(for: p.profile, displayModel: p.displayModel)
    {
      out.append("--patterns")
      rest.patterns = nil
    }
    return (out, rest == d)
  }

  /// `s` as one shell word: as is when it holds only letters, digits and `-_./+,=:@`, else in
  /// single quotes, each `'` written `'\''`.
  public static func shellQuote(_ s: String) -> String {
    let safe = s.unicodeScalars.allSatisfy {
      ($0.isASCII && CharacterSet.alphanumerics.contains($0))
        || "-_./+,=:@".unicodeScalars.contains($0)
    }
    return safe && !s.isEmpty ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}
