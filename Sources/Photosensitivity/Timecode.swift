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

  /// The timecode of the frame presented at `seconds` (nearest frame) at `frameRate`.
  public static func smpte(seconds: Double, frameRate: Double) -> String {
    smpte(frame: Int((max(0, seconds) * frameRate).rounded()), frameRate: frameRate)
  }

  private static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}
