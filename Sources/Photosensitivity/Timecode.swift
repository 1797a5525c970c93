/// SMPTE timecodes for reports: `HH:MM:SS:FF` at the video's rate, drop-frame
/// (`HH:MM:SS;FF`) at 29.97 and 59.94 fps (SMPTE ST 12-1).
public enum Timecode {
  /// Whether `frameRate` is an NTSC rate that uses drop-frame numbering (30000/1001, 60000/1001).
  public static func isDropFrame(_ frameRate: Double) -> Bool {
    abs(frameRate - 30000.0 / 1001) < 0.005 || abs(frameRate - 60000.0 / 1001) < 0.005
  }

  /// The timecode of frame number `frame` (from 0) at `frameRate`.
  public static func smpte(frame: Int, frameRate: Double) -> String {
    let nominal = max(1, Int(frameRate.rounded()))
    var f = max(0, frame)
    let drop = isDropFrame(frameRate)
    if drop {
      // Frame numbers 0 and 1 (2 and 3 at 59.94 too) are skipped at the start of every minute
      // except each tenth, so the count keeps up with real time.
      let dropped = nominal / 15  // 2 at 30, 4 at 60
      let perMinute = nominal * 60 - dropped
      let perTenMinutes = perMinute * 10 + dropped
      let tens = f / perTenMinutes
      let rest = f % perTenMinutes
      f += dropped * 9 * tens
      if rest > dropped { f += dropped * ((rest - dropped) / perMinute) }
    }
    let ff = f % nominal
    let totalSeconds = f / nominal
    let ss = totalSeconds % 60
    let mm = (totalSeconds / 60) % 60
    let hh = totalSeconds / 3600
    return "\(pad(hh)):\(pad(mm)):\(pad(ss))\(drop ? ";" : ":")\(pad(ff))"
  }

  /// The timecode of the frame presented at `seconds` (nearest frame) at `frameRate`, counted
  /// from `start` (a frame number, `frames(of:frameRate:)` of the source's start timecode).
  public static func smpte(seconds: Double, frameRate: Double, start: Int = 0) -> String {
    smpte(frame: start + Int((max(0, seconds) * frameRate).rounded()), frameRate: frameRate)
  }

  /// The frame number (from 0 at 00:00:00:00) of timecode `text` (`HH:MM:SS:FF`, or `;` or `.`
  /// before the frames) at `frameRate`, drop-frame numbering at 29.97 and 59.94; nil when it does
  /// not read as one (a field out of range, a frame number drop-frame skips).
  public static func frames(of text: String, frameRate: Double) -> Int? {
    let parts = text.split(whereSeparator: { ":;.".contains($0) }).map { Int($0) }
    guard parts.count == 4, let hh = parts[0], let mm = parts[1], let ss = parts[2],
      let ff = parts[3]
    else { return nil }
    let nominal = max(1, Int(frameRate.rounded()))
    guard (0..<24).contains(hh), (0..<60).contains(mm), (0..<60).contains(ss),
      (0..<nominal).contains(ff)
    else { return nil }
    let minutes = hh * 60 + mm
    var frame = (minutes * 60 + ss) * nominal + ff
    if isDropFrame(frameRate) {
      let dropped = nominal / 15
      if ss == 0 && ff < dropped && mm % 10 != 0 { return nil }
      frame -= dropped * (minutes - minutes / 10)
    }
    return frame
  }

  private static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
