import Foundation
import Photosensitivity
import TextOutput

/// One marker for an editor: a frame range with a name.
public struct Marker: Sendable, Equatable {
  /// Frame numbers on the timecode scale (the source's start timecode included): the first frame
  /// and the frame after the last.
  public var startFrame: Int
  public var endFrame: Int
  public var kind: IncidentKind
  public var verdict: Verdict
  public var note: String

  public init(startFrame: Int, endFrame: Int, kind: IncidentKind, verdict: Verdict, note: String) {
    self.startFrame = startFrame
    self.endFrame = endFrame
    self.kind = kind
    self.verdict = verdict
    self.note = note
  }
}

/// The incidents as editor markers (`--markers`): a CMX 3600 EDL in the form DaVinci Resolve
/// imports as timeline markers, or a CSV marker list.
public enum Markers {
  public enum Format: String, Sendable {
    case edl, csv
  }

  /// The format a path's extension names (`.edl`, `.csv`, any case).
  public static func format(of path: String) -> Format? {
    Format(rawValue: (path as NSString).pathExtension.lowercased())
  }

  /// The document's incidents as markers, at `frameRate` (the report's rate; 25 when unknown).
  public static func markers(_ d: ReportDocument) -> (markers: [Marker], frameRate: Double) {
    let rate = d.input.frameRate ?? 25
    let list = d.incidents.map { i -> Marker in
      let start = Timecode.frames(of: i.startTimecode, frameRate: rate) ?? 0
      let end = Timecode.frames(of: i.endTimecode, frameRate: rate) ?? start
      var note =
        "\(VerdictText.label(i.verdict)) \(VerdictText.kind(i.kind)) #\(i.number): "
        + "up to \(NumberText.fixed(i.peakFlashesPerSecond)) flashes/s, "
        + "\(VerdictText.percent(i.largestScreenShare)) of the screen"
      let b = i.boundingBox
      note += ", box \(b.x),\(b.y) \(b.width)x\(b.height)"
      return Marker(
        startFrame: start, endFrame: max(end, start + 1), kind: i.kind, verdict: i.verdict,
        note: note)
    }
    return (list, rate)
  }

  /// A CMX 3600 EDL with one event per marker, in DaVinci Resolve's marker form: a one-frame
  /// event at the marker's start (reel `001`, video, cut; source and record timecodes alike) and
  /// a comment line `|C:colour |M:name |D:duration in frames`.
  public static func edl(title: String, markers: [Marker], frameRate: Double) -> String {
    let drop = Timecode.isDropFrame(frameRate)
    var out = "TITLE: \(oneLine(title))\n"
    out += "FCM: \(drop ? "DROP FRAME" : "NON-DROP FRAME")\n\n"
    for (n, m) in markers.enumerated() {
      let a = Timecode.smpte(frame: m.startFrame, frameRate: frameRate)
      let b = Timecode.smpte(frame: m.startFrame + 1, frameRate: frameRate)
      let number = String(repeating: "0", count: max(0, 3 - String(n + 1).count)) + "\(n + 1)"
      out += "\(number)  001      V     C        \(a) \(b) \(a) \(b)\n"
      let colour = m.verdict == .fail ? "ResolveColorRed" : "ResolveColorYellow"
      out += " |C:\(colour) |M:\(oneLine(m.note)) |D:\(m.endFrame - m.startFrame)\n\n"
    }
    return out
  }

  /// A CSV marker list: `number,start_timecode,end_timecode,duration_frames,kind,verdict,note`
  /// (RFC 4180; end is the frame after the last).
  public static func csv(markers: [Marker], frameRate: Double) -> String {
    var out = "number,start_timecode,end_timecode,duration_frames,kind,verdict,note\n"
    for (n, m) in markers.enumerated() {
      out +=
        [
          "\(n + 1)", Timecode.smpte(frame: m.startFrame, frameRate: frameRate),
          Timecode.smpte(frame: m.endFrame, frameRate: frameRate), "\(m.endFrame - m.startFrame)",
          m.kind.rawValue, m.verdict.rawValue, CSV.quote(m.note),
        ].joined(separator: ",") + "\n"
    }
    return out
  }

  /// No line breaks or `|` (the EDL comment's separator) in a name.
  static func oneLine(_ s: String) -> String {
    String(s.map { $0.isNewline || $0 == "|" ? " " : $0 })
  }
}

extension FlashReport {
  /// The incidents as markers in `format` (`Markers`).
  public func markers(_ format: Markers.Format) -> String {
    let (list, rate) = Markers.markers(document)
    switch format {
    case .edl:
      let name = (document.input.path as NSString).lastPathComponent
      return Markers.edl(title: "flashscan \(name)", markers: list, frameRate: rate)
    case .csv:
      return Markers.csv(markers: list, frameRate: rate)
    }
  }
}
