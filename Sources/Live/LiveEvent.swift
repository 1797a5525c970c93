import Foundation
import Photosensitivity
import TextOutput

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One line of `flashscan watch`'s output (Docs/Live.md): a JSON object with `event`, `time`
/// (seconds of stream watched), `wallClock` (ISO 8601 UTC, milliseconds) and `timecode`, then the
/// event's own fields in a fixed order.
public struct LiveEvent: Sendable, Equatable {
  public enum Name: String, Sendable, CaseIterable {
    case incidentStart = "incident-start"
    case incidentEnd = "incident-end"
    case status
    case disconnected
    case reconnected
  }

  public var name: Name
  public var time: Double
  public var wallClock: String
  public var timecode: String
  /// The event's own fields: a key and its value, already JSON.
  public var fields: [Field]

  public struct Field: Sendable, Equatable {
    public var key: String
    public var json: String
    public init(_ key: String, json: String) {
      self.key = key
      self.json = json
    }
    public static func number(_ key: String, _ value: Double) -> Field {
      Field(key, json: value.isFinite ? NumberText.shortest(value) : "null")
    }
    public static func integer(_ key: String, _ value: Int) -> Field {
      Field(key, json: String(value))
    }
    public static func string(_ key: String, _ value: String) -> Field {
      Field(key, json: Escaping.json(value))
    }
  }

  public init(
    _ name: Name, time: Double, frameRate: Double, fields: [Field],
    wallClock: Double = WallClock.now()
  ) {
    self.name = name
    self.time = time
    self.wallClock = WallClock.iso8601(wallClock)
    timecode = Timecode.smpte(seconds: max(0, time), frameRate: frameRate > 0 ? frameRate : 25)
    self.fields = fields
  }

  /// The JSON Lines line, ending in `\n`.
  public var line: String {
    var out = "{\"event\":" + Escaping.json(name.rawValue)
    out += ",\"time\":" + NumberText.shortest((time * 1000).rounded() / 1000)
    out += ",\"wallClock\":" + Escaping.json(wallClock)
    out += ",\"timecode\":" + Escaping.json(timecode)
    for f in fields { out += "," + Escaping.json(f.key) + ":" + f.json }
    return out + "}\n"
  }
}

/// Wall-clock time for the events.
public enum WallClock {
  /// Seconds since 1970 (UTC).
  public static func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
  }

  /// Monotonic seconds, for intervals.
  public static func monotonic() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
  }

  /// `2026-11-30T05:48:14.123Z`.
  public static func iso8601(_ seconds: Double) -> String {
    var whole = time_t(seconds.rounded(.down))
    var millis = Int(((seconds - Double(whole)) * 1000).rounded(.down))
    if millis >= 1000 {
      whole += 1
      millis -= 1000
    }
    var parts = tm()
    gmtime_r(&whole, &parts)
    func pad(_ v: Int32, _ n: Int) -> String {
      let s = String(v)
      return String(repeating: "0", count: max(0, n - s.count)) + s
    }
    return pad(parts.tm_year + 1900, 4) + "-" + pad(parts.tm_mon + 1, 2) + "-"
      + pad(parts.tm_mday, 2) + "T" + pad(parts.tm_hour, 2) + ":" + pad(parts.tm_min, 2) + ":"
      + pad(parts.tm_sec, 2) + "." + pad(Int32(millis), 3) + "Z"
  }
}
