import Foundation
import Photosensitivity
import Reports

/// The analysis of a whole watch: every connection's result joined on one timeline (frames
/// numbered on, times placed after the earlier connections and the gaps), so the report of a
/// watch reads like the report of one file with gaps in its timeline.
public enum WatchReport {
  /// nil when no frame was analysed.
  public static func joined(_ segments: [WatchSegment], frameRate: Double?)
    -> PhotosensitivityResult?
  {
    guard var joined = segments.first?.result else { return nil }
    let rate = frameRate ?? joined.video.frameRate ?? 25
    var frames: [FrameRow] = []
    var incidents: [Incident] = []
    var criteria = joined.criteria
    for i in criteria.indices {
      criteria[i].flaggedFrames = 0
      criteria[i].peakTransitionsPerSecond = 0
      criteria[i].firstFlaggedTime = nil
      criteria[i].verdict = .pass
    }
    var verdict = Verdict.pass
    for segment in segments {
      let (dt, df) = (segment.placement.timeOffset, segment.placement.frameOffset)
      for var row in segment.result.frames {
        row.frame += df
        row.time += dt
        frames.append(row)
      }
      for var incident in segment.result.incidents {
        incident.start += dt
        incident.end += dt
        incident.firstFrame += df
        incident.lastFrame += df
        incident.worstFrame += df
        incident.startTimecode = Timecode.smpte(seconds: incident.start, frameRate: rate)
        incident.endTimecode = Timecode.smpte(seconds: incident.end, frameRate: rate)
        incidents.append(incident)
      }
      for c in segment.result.criteria {
        guard let i = criteria.firstIndex(where: { $0.id == c.id }) else { continue }
        criteria[i].verdict = max(criteria[i].verdict, c.verdict)
        criteria[i].flaggedFrames += c.flaggedFrames
        criteria[i].peakTransitionsPerSecond = max(
          criteria[i].peakTransitionsPerSecond, c.peakTransitionsPerSecond)
        if criteria[i].firstFlaggedTime == nil, let t = c.firstFlaggedTime {
          criteria[i].firstFlaggedTime = t + dt
        }
      }
      verdict = max(verdict, segment.result.verdict)
    }
    let last = segments[segments.count - 1]
    joined.frames = frames
    joined.incidents = incidents.sorted {
      ($0.start, $0.kind.rawValue) < ($1.start, $1.kind.rawValue)
    }
    joined.criteria = criteria
    joined.verdict = verdict
    joined.video.frameCount = segments.reduce(0) { $0 + $1.result.video.frameCount }
    joined.video.duration = last.placement.timeOffset + last.result.video.duration
    joined.video.startTimecode = nil
    return joined
  }
}

extension WatchReport {
  /// Every watched frame's time on the watch's timeline (frame numbers as in `joined`).
  public static func frameTimes(_ segments: [WatchSegment]) -> [Double] {
    var times: [Double] = []
    times.reserveCapacity(segments.reduce(0) { $0 + $1.frameTimes.count })
    for segment in segments {
      let dt = segment.placement.timeOffset
      times += segment.frameTimes.lazy.map { $0 + dt }
    }
    return times
  }

  /// The report's incidents' worst-frame times from the watch's frame times (the report of a
  /// watch has no per-frame rows to read them from).
  public static func placeWorstFrames(_ document: inout ReportDocument, frameTimes: [Double]) {
    for i in document.incidents.indices {
      let f = document.incidents[i].worstFrame
      if frameTimes.indices.contains(f) { document.incidents[i].worstFrameTime = frameTimes[f] }
    }
  }
}

/// An incident record as one line of JSON (the JSON report's incident object, keys sorted).
enum IncidentJSON {
  static func encode(_ record: IncidentReport) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(record), as: UTF8.self)
  }
}
