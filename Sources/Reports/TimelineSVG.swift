import Foundation
import Photosensitivity
import TextOutput

/// The HTML report's inline SVG: two panels over one time axis, flashes per second first (what
/// the verdict is judged on) with the limit (`maxTransitions / 2`) and the extended band
/// (`minTransitions / 2`) drawn, then T per frame (the exam's table, a measure, not a verdict);
/// incidents shaded across both. Long videos are drawn as a
/// per-pixel-column min/max envelope, so the markup stays small whatever the length.
struct TimelineSVG {
  var duration: Double
  var tSeries: TSeries
  var frames: [FrameRow]
  var incidents: [IncidentReport]
  var limit: Double
  var band: Double
  /// With `--report-video`: incident shapes carry `data-start` (seconds), so the report's
  /// script seeks the player when one is clicked.
  var seekable = false

  /// ` data-start="2.000000" class="seek"` on a seekable timeline, else nothing.
  func seekAttributes(_ incident: IncidentReport) -> String {
    seekable
      ? " data-start=\"\(NumberText.fixed(incident.start, decimals: 6))\" class=\"seek\"" : ""
  }

  // Geometry in SVG user units (the element scales to the page width).
  let width = 1100.0
  let left = 64.0
  let right = 24.0
  let panelHeight = 150.0
  let fpsTop = 34.0
  let gap = 46.0
  var tTop: Double { patternTop + patternLaneHeight + gap }
  var plotWidth: Double { width - left - right }
  /// The pattern lane under the flashes panel: each frame's pattern area share, and the pattern
  /// incidents as purple bars.
  let patternLaneHeight = 30.0
  var patternTop: Double { fpsTop + panelHeight + 8 }
  var axisTop: Double { tTop + panelHeight }
  var height: Double { axisTop + 44 }

  func x(_ time: Double) -> Double { left + plotWidth * min(max(time / max(duration, 1e-9), 0), 1) }

  func render() -> String {
    var s = ""
    s += "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(width)) \(f(height))\" "
    s += "role=\"img\" aria-label=\"Timeline of flashes per second and T\" class=\"timeline\">\n"
    s += "<rect x=\"0\" y=\"0\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"#ffffff\"/>\n"
    s += shading()
    s += fpsPanel()
    s += patternLane()
    s += tPanel()
    s += timeAxis()
    s += incidentNumbers()
    s += "</svg>\n"
    return s
  }

  // MARK: panels

  func tPanel() -> String {
    let maxAbs = tSeries.points.reduce(0.0) { max($0, abs($1.t)) }
    let top = niceCeiling(max(maxAbs, 1))
    func y(_ v: Double) -> Double { tTop + panelHeight / 2 - v / top * (panelHeight / 2) }
    var s = panelFrame(
      top: tTop, title: "T per frame: the exam's measure (signed luminance step), not a verdict")
    for v in [top, top / 2, 0, -top / 2, -top] {
      s += gridLine(y: y(v), label: number(v), strong: v == 0)
    }
    if tSeries.isEmpty {
      s += note(y: tTop + panelHeight / 2 - 8, "no T table (fewer than two frames)")
    } else {
      let pts = envelope(tSeries.points.map { ($0.time, $0.t) })
      s += polyline(pts.map { (x($0.0), y($0.1)) }, stroke: "#1f4e9c", width: 1.2)
    }
    return s
  }

  func fpsPanel() -> String {
    let peak = frames.reduce(0.0) { max($0, $1.flashesPerSecond) }
    let top = max(limit + 1, niceCeiling(peak * 1.1))
    func y(_ v: Double) -> Double { fpsTop + panelHeight - v / top * panelHeight }
    var s = panelFrame(
      top: fpsTop, title: "Flashes per second (in the one-second window ending at each frame)")
    for v in ticks(upTo: top) { s += gridLine(y: y(v), label: number(v), strong: v == 0) }
    // The band where sustained flashing becomes extended flashing, then the limit itself.
    s +=
      "<line x1=\"\(f(left))\" y1=\"\(f(y(band)))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y(band)))\" "
    s += "stroke=\"#c77700\" stroke-width=\"1.2\" stroke-dasharray=\"2 3\"/>\n"
    s += label(
      x: left + plotWidth - 4, y: y(band) - 4, "extended band from \(number(band))/s",
      anchor: "end",
      fill: "#8a5300")
    s +=
      "<line x1=\"\(f(left))\" y1=\"\(f(y(limit)))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y(limit)))\" "
    s += "stroke=\"#c62828\" stroke-width=\"1.6\" stroke-dasharray=\"7 4\"/>\n"
    s += label(
      x: left + plotWidth - 4, y: y(limit) - 4, "limit: \(number(limit)) flashes/s", anchor: "end",
      fill: "#a11b1b", bold: true)
    if frames.isEmpty {
      // A watch keeps no per-frame rows (flashscan watch, Docs/Live.md).
      s += note(
        y: fpsTop + panelHeight / 2,
        duration > 0 ? "no per-frame rows kept (a live watch)" : "no frames analysed")
    } else {
      // A step line: the count holds from one frame to the next.
      var steps: [(Double, Double)] = []
      for (i, row) in frames.enumerated() {
        if i > 0 { steps.append((row.time, frames[i - 1].flashesPerSecond)) }
        steps.append((row.time, row.flashesPerSecond))
      }
      if let last = frames.last { steps.append((duration, last.flashesPerSecond)) }
      let pts = envelope(steps)
      s += polyline(pts.map { (x($0.0), y($0.1)) }, stroke: "#222222", width: 1.6)
    }
    return s
  }

  /// The pattern lane: the share of the screen covered by patterns that count, per frame, and
  /// the pattern incidents as hatched purple bars.
  func patternLane() -> String {
    let top = patternTop
    let h = patternLaneHeight
    var s = "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" height=\"\(f(h))\" "
    s += "fill=\"none\" stroke=\"#999\"/>\n"
    s += label(x: left - 6, y: top + h / 2 + 4, "pattern", anchor: "end", fill: "#4a148c")
    s += "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
    s += "patternTransform=\"rotate(45)\"><rect width=\"3\" height=\"6\" fill=\"#7b1fa2\" "
    s += "fill-opacity=\"0.55\"/></pattern></defs>\n"
    for incident in incidents where incident.kind == .pattern {
      let x0 = x(incident.start)
      let x1 = max(x(incident.end), x0 + 2)
      s += "<rect x=\"\(f(x0))\" y=\"\(f(top))\" width=\"\(f(x1 - x0))\" height=\"\(f(h))\" "
      s +=
        "fill=\"url(#hatch)\" stroke=\"#7b1fa2\"\(seekAttributes(incident))><title>#\(incident.number) "
      s += "\(HTML.escape(VerdictText.kind(incident.kind))) \(f(incident.start)) s to "
      s += "\(f(incident.end)) s</title></rect>\n"
    }
    let shares = frames.compactMap { r in r.pattern.map { (r.time, $0.areaShare) } }
    if shares.isEmpty {
      s += note(y: top + h / 2 + 4, "patterns not checked")
    } else {
      var steps: [(Double, Double)] = []
      for (i, p) in shares.enumerated() {
        if i > 0 { steps.append((p.0, shares[i - 1].1)) }
        steps.append(p)
      }
      if let last = shares.last { steps.append((duration, last.1)) }
      let pts = envelope(steps)
      s += polyline(
        pts.map { (x($0.0), top + h - min(max($0.1, 0), 1) * h) }, stroke: "#4a148c", width: 1.2)
    }
    return s
  }

  /// Incidents as shaded spans over both panels.
  func shading() -> String {
    var s = ""
    let bottom = tTop + panelHeight
    for incident in incidents {
      let x0 = x(incident.start)
      let x1 = max(x(incident.end), x0 + 2)
      let color = incident.verdict == .fail ? "#e53935" : "#ffb300"
      s +=
        "<rect x=\"\(f(x0))\" y=\"\(f(fpsTop))\" width=\"\(f(x1 - x0))\" height=\"\(f(bottom - fpsTop))\" "
      s += "fill=\"\(color)\" fill-opacity=\"0.16\" stroke=\"\(color)\" stroke-opacity=\"0.6\""
      s += "\(seekAttributes(incident))>"
      s += "<title>#\(incident.number) \(HTML.escape(VerdictText.kind(incident.kind))) "
      s += "\(f(incident.start)) s to \(f(incident.end)) s</title></rect>\n"
    }
    return s
  }

  /// The incidents' numbers (as in the incident table) at the top of their spans, drawn last;
  /// numbers of overlapping incidents go to separate lanes so they never print over each other.
  func incidentNumbers() -> String {
    var labels = ""
    var laneEnds: [Double] = []
    for incident in incidents {
      let x0 = x(incident.start)
      let text = "#\(incident.number)"
      let half = 5 + 3.5 * Double(text.count)
      let cx = min(max(x0 + half + 2, left + half), left + plotWidth - half)
      let lane = laneEnds.firstIndex { $0 < cx - half } ?? laneEnds.count
      if lane == laneEnds.count { laneEnds.append(0) }
      laneEnds[lane] = cx + half
      let y = fpsTop + 14 + 15 * Double(lane)
      labels +=
        "<text x=\"\(f(cx))\" y=\"\(f(y))\" text-anchor=\"middle\" font-size=\"12\" font-weight=\"bold\" "
      labels +=
        "fill=\"#6d0000\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">\(text)</text>\n"
    }
    return labels
  }

  func timeAxis() -> String {
    let bottom = axisTop
    var s = ""
    let step = niceStep(duration / 10)
    var t = 0.0
    while t <= duration + step * 1e-6 {
      let xx = x(t)
      s +=
        "<line x1=\"\(f(xx))\" y1=\"\(f(bottom))\" x2=\"\(f(xx))\" y2=\"\(f(bottom + 5))\" stroke=\"#444\"/>\n"
      s +=
        "<line x1=\"\(f(xx))\" y1=\"\(f(fpsTop))\" x2=\"\(f(xx))\" y2=\"\(f(bottom))\" stroke=\"#000\" stroke-opacity=\"0.06\"/>\n"
      s += label(x: xx, y: bottom + 18, timeLabel(t, step: step), anchor: "middle", fill: "#333")
      t += step
    }
    s += label(x: left + plotWidth / 2, y: bottom + 37, "time (s)", anchor: "middle", fill: "#555")
    return s
  }

  // MARK: pieces

  func panelFrame(top: Double, title: String) -> String {
    var s =
      "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" height=\"\(f(panelHeight))\" "
    s += "fill=\"none\" stroke=\"#999\"/>\n"
    s += label(x: left, y: top - 8, title, anchor: "start", fill: "#222", bold: true)
    return s
  }

  func gridLine(y: Double, label text: String, strong: Bool) -> String {
    var s = "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y))\" "
    s += strong ? "stroke=\"#666\"/>\n" : "stroke=\"#000\" stroke-opacity=\"0.08\"/>\n"
    s += label(x: left - 6, y: y + 4, text, anchor: "end", fill: "#444")
    return s
  }

  func label(
    x: Double, y: Double, _ text: String, anchor: String, fill: String, bold: Bool = false
  ) -> String {
    "<text x=\"\(f(x))\" y=\"\(f(y))\" text-anchor=\"\(anchor)\" fill=\"\(fill)\" font-size=\"12\""
      + (bold ? " font-weight=\"bold\"" : "") + ">\(HTML.escape(text))</text>\n"
  }

  func note(y: Double, _ text: String) -> String {
    label(x: left + plotWidth / 2, y: y, text, anchor: "middle", fill: "#777")
  }

  func polyline(_ points: [(Double, Double)], stroke: String, width: Double) -> String {
    guard !points.isEmpty else { return "" }
    var s = "<polyline fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(f(width))\" "
    s += "stroke-linejoin=\"round\" points=\""
    s += points.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ")
    s += "\"/>\n"
    return s
  }

  /// At most about four points per pixel column: a column's first, minimum, maximum and last
  /// values in time order, so spikes survive the reduction.
  func envelope(_ points: [(Double, Double)]) -> [(Double, Double)] {
    let columns = Int(plotWidth)
    guard points.count > columns * 4 else { return points }
    var out: [(Double, Double)] = []
    var i = 0
    while i < points.count {
      let column = Int((x(points[i].0) - left).rounded(.down))
      var j = i
      var lo = i
      var hi = i
      while j < points.count && Int((x(points[j].0) - left).rounded(.down)) == column {
        if points[j].1 < points[lo].1 { lo = j }
        if points[j].1 > points[hi].1 { hi = j }
        j += 1
      }
      for k in Set([i, lo, hi, j - 1]).sorted() { out.append(points[k]) }
      i = j
    }
    return out
  }

  func ticks(upTo top: Double) -> [Double] {
    let step = niceStep(top / 4)
    return stride(from: 0.0, through: top + step * 1e-6, by: step).map { $0 }
  }

  /// The smallest of 1, 2, 5 times a power of ten at or above `x`.
  func niceStep(_ x: Double) -> Double {
    guard x > 0, x.isFinite else { return 1 }
    let p = pow(10, (log10(x)).rounded(.down))
    for m in [1.0, 2, 5, 10] where m * p >= x * (1 - 1e-9) { return m * p }
    return 10 * p
  }

  func niceCeiling(_ x: Double) -> Double {
    let step = niceStep(x / 4)
    return (x / step).rounded(.up) * step
  }

  func timeLabel(_ t: Double, step: Double) -> String {
    if duration >= 120 {
      let total = Int(t.rounded())
      return "\(total / 60):" + (total % 60 < 10 ? "0" : "") + "\(total % 60)"
    }
    return number(t)
  }

  func number(_ v: Double) -> String { NumberText.fixed(v, decimals: 2) }
  func f(_ v: Double) -> String { NumberText.fixed(v, decimals: 1) }
}
