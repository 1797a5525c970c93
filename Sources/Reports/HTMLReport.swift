import Foundation
import FrameTensor
import Photosensitivity
import TextOutput

/// Text escaping for HTML bodies and attribute values (`Escaping.html`).
public enum HTML {
  public static func escape(_ text: String) -> String { Escaping.html(text) }
}

extension FlashReport {
  /// The self-contained HTML page: inline CSS and SVG, thumbnails as `data:` PNGs, no script,
  /// no font or other network reference (a Content-Security-Policy forbids loading any).
  /// `png` encodes the thumbnails (MediaIO's `PNGEncoder.encode`; Reports links no codec).
  /// With a `videoSource`, the page also has a `<video>` of the source and one inline script
  /// (allowed by its hash) that seeks it to an incident's start when the incident is clicked.
  public func html(png: PNGEncode) -> String {
    let d = document
    let name = (d.input.path as NSString).lastPathComponent
    var policy = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    if videoSource != nil {
      policy += "; media-src 'self' file:; script-src '\(ReportVideo.scriptHash)'"
    }
    var h = """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta http-equiv="Content-Security-Policy" content="\(policy)">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <title>\(HTML.escape("\(VerdictText.label(d.verdict)): \(name) - flashscan report"))</title>
      <style>\(Self.css)</style>
      </head>
      <body>

      """
    h += banner()
    h += "<main>\n"
    h += inputSection()
    h += videoSection()
    h += timelineSection()
    h += incidentSection(png: png)
    h += criteriaSection()
    h += parameterSection()
    h += footer()
    h += "</main>\n"
    if videoSource != nil { h += "<script>\(ReportVideo.script)</script>\n" }
    h += "</body>\n</html>\n"
    return h
  }

  func banner() -> String {
    let d = document
    return """
      <header class="banner \(d.verdict.rawValue)" id="verdict">
      <div class="verdict">\(VerdictText.label(d.verdict))</div>
      <div class="explain"><p class="sentence">\(HTML.escape(d.summary))</p>
      <p class="file">\(HTML.escape(d.input.path)) &middot; profile <b>\(d.profile.rawValue)</b></p></div>
      </header>

      """
  }

  func inputSection() -> String {
    let i = document.input
    var rows: [(String, String)] = [("File", "<code>\(HTML.escape(i.path))</code>")]
    if let size = i.sizeBytes { rows.append(("Size", VerdictText.bytes(size))) }
    rows.append(
      (
        "SHA-256",
        i.sha256.map { "<code>\($0)</code>" } ?? HTML.escape(i.sha256Note ?? "not available")
      ))
    rows.append(("Video", HTML.escape(VerdictText.videoLine(i))))
    if let colour = VerdictText.colorLine(i) { rows.append(("Colour", HTML.escape(colour))) }
    rows.append(
      (
        "Profile",
        "\(document.profile.rawValue): \(HTML.escape(VerdictText.standard(document.profile)))"
      ))
    let g = document.analysis
    let area =
      document.profile == .iris
      ? "a frame change counts when at least \(VerdictText.percent(document.parameters.screenAreaShare)) of the pixels change"
      : "flashing fails above \(NumberText.fixed(g.areaLimitPixels, decimals: 0)) px "
        + "(\(VerdictText.percent(g.areaLimitShareOfScreen)) of the screen); 10-degree field "
        + "\(NumberText.fixed(g.fieldWidth, decimals: 1))x\(NumberText.fixed(g.fieldHeight, decimals: 1)) px"
    rows.append(("Area rule", HTML.escape(area)))
    for w in document.warnings ?? [] {
      rows.append(("Warning", "<span class=\"warn\">\(HTML.escape(w))</span>"))
    }
    if !i.complete || !i.decodeWarnings.isEmpty {
      let text =
        (i.complete
          ? ""
          : "Not read whole; analysed up to \(VerdictText.seconds(i.duration)) (\(i.frameCount) frames). ")
        + i.decodeWarnings.joined(separator: "; ")
      rows.append(("Decoding", "<span class=\"warn\">\(HTML.escape(text))</span>"))
    }
    var s = "<section class=\"facts\">\n<h2>Input</h2>\n<table>\n"
    for (k, v) in rows { s += "<tr><th>\(k)</th><td>\(v)</td></tr>\n" }
    return s + "</table>\n</section>\n"
  }

  /// `--report-video`: the source in a player (nothing without a `videoSource`).
  func videoSection() -> String {
    guard let source = videoSource else { return "" }
    return """
      <section class="player">
      <h2>Video</h2>
      <video id="source-video" controls preload="metadata" src="\(HTML.escape(source))"></video>
      <p class="legend">The source video, at <code>\(HTML.escape(source))</code> from this report's folder. \
      Click an incident (its row or its band on the timeline) to go to its start.</p>
      </section>

      """
  }

  func timelineSection() -> String {
    let p = document.parameters
    let counted =
      p.profile == .iris
      ? "whole-frame transitions (IRIS)" : "transitions of an area above the area limit"
    let svg = TimelineSVG(
      duration: document.input.duration, tSeries: tSeries, frames: frames,
      incidents: document.incidents, limit: Double(p.maxTransitions) / 2,
      band: Double(p.minTransitions) / 2, seekable: videoSource != nil)
    return """
      <section>
      <h2>Timeline</h2>
      \(svg.render())<p class="legend"><span class="swatch failshade"></span> failing incident \
      <span class="swatch warnshade"></span> warning \
      <span class="swatch patternshade"></span> pattern incident (hatched band under the panels) \
      <span class="swatch limitline"></span> limit \(NumberText.fixed(Double(p.maxTransitions) / 2)) flashes a second \
      (\(p.maxTransitions) transitions) &middot; Flashes per second: \(counted) in the \
      \(NumberText.fixed(p.windowSeconds)) s window ending at each frame, divided by 2.</p>
      </section>

      """
  }

  func incidentSection(png: PNGEncode) -> String {
    let incidents = document.incidents
    var s = "<section>\n<h2>Incidents (\(incidents.count))</h2>\n"
    if incidents.isEmpty {
      s += "<p class=\"none\">No incidents: no frame was flagged.</p>\n</section>\n"
      return s
    }
    s += """
      <table class="incidents">
      <thead><tr><th>#</th><th>Worst frame and the other state (flashing or pattern region outlined)</th><th>Kind</th><th>Time</th>\
      <th>Frames</th><th>Peak flashes/s (pattern: pairs)</th><th>Largest area</th><th>Bounding box (px)</th></tr></thead>
      <tbody>

      """
    for i in incidents {
      let field =
        i.largestFieldShare.map { "<br>\(VerdictText.percent($0)) of a 10&deg; field" } ?? ""
      s +=
        videoSource == nil
        ? "<tr class=\"\(i.verdict.rawValue)\">"
        : "<tr class=\"\(i.verdict.rawValue) seek\" data-start=\"\(NumberText.fixed(i.start, decimals: 6))\">"
      s += "<td class=\"num\">\(i.number)</td>"
      s += "<td class=\"thumb\">\(thumbnailCell(i, png: png))</td>"
      s +=
        "<td><span class=\"badge \(i.verdict.rawValue)\">\(VerdictText.label(i.verdict))</span><br>"
      s += "\(HTML.escape(VerdictText.kind(i.kind)))</td>"
      s +=
        "<td class=\"time\"><span class=\"nw\">\(NumberText.fixed(i.start, decimals: 3)) &ndash;</span> "
      s += "<span class=\"nw\">\(NumberText.fixed(i.end, decimals: 3)) s</span>"
      s += "<br><span class=\"nw\"><code>\(HTML.escape(i.startTimecode))</code>&nbsp;&ndash;</span>"
      s += "<br><code>\(HTML.escape(i.endTimecode))</code></td>"
      s += "<td>\(i.firstFrame) &ndash; \(i.lastFrame)<br>worst \(i.worstFrame)</td>"
      if let p = i.pattern {
        if p.counts == .components {
          s += "<td class=\"num\">\(p.pairs) components (IRIS)"
          s += "<br><small>motion \(HTML.escape(p.motion.rawValue))</small></td>"
        } else {
          s += "<td class=\"num\">\(p.pairs) light&ndash;dark pairs<br><small>"
          if let o = p.orientationDegrees {
            s += "stripes at \(NumberText.fixed(o, decimals: 0))&deg;, "
          }
          s += "\(HTML.escape(p.motion.rawValue))</small></td>"
        }
      } else {
        s += "<td class=\"num\">\(NumberText.fixed(i.peakFlashesPerSecond))"
        s += "<br><small>\(i.peakTransitionsPerSecond) transitions</small></td>"
      }
      s += "<td>\(VerdictText.percent(i.largestScreenShare)) of the screen\(field)</td>"
      let b = i.boundingBox
      s += "<td>x \(b.x), y \(b.y)<br>\(b.width) &times; \(b.height)</td>"
      s += "</tr>\n"
      let play = Self.playCommands(i, path: document.input.path)
      s += "<tr class=\"play\"><td></td><td colspan=\"7\">Play it: "
      s +=
        "<code>\(HTML.escape(play.ffplay))</code> or <code>\(HTML.escape(play.mpv))</code></td></tr>\n"
    }
    return s + "</tbody>\n</table>\n</section>\n"
  }

  func thumbnailCell(_ i: IncidentReport, png: PNGEncode) -> String {
    if i.kind == .pattern {
      guard let thumb = patternPictures[i.firstFrame] else {
        return "<span class=\"none\">no thumbnail</span>"
      }
      return "<div class=\"pair\">"
        + figure(
          thumb, box: i.boundingBox, caption: "largest extent: frame \(thumb.frame)", png: png,
          what: "pattern region") + "</div>"
    }
    guard let picture = pictures[i.worstFrame] else {
      return omittedThumbnails > 0
        ? "<span class=\"none\">no thumbnail (limit of kept thumbnails reached)</span>"
        : "<span class=\"none\">no thumbnail</span>"
    }
    var s = "<div class=\"pair\">"
    s += figure(
      picture.worst, box: i.boundingBox, caption: "worst frame \(picture.worst.frame)", png: png)
    if let opposite = picture.opposite {
      s += figure(
        opposite, box: i.boundingBox, caption: "other state: frame \(opposite.frame)", png: png)
    }
    return s + "</div>"
  }

  func figure(
    _ thumb: Thumbnail, box: PixelRect, caption: String, png encode: PNGEncode,
    what: String = "flashing region"
  )
    -> String
  {
    let time = NumberText.fixed(thumb.time, decimals: 3)
    do {
      let png = try thumb.png(outlining: box, encoder: encode)
      let alt = "\(caption) at \(time) s; \(what) outlined in yellow"
      return "<figure><img src=\"data:image/png;base64,\(Data(png).base64EncodedString())\" "
        + "width=\"\(thumb.width)\" height=\"\(thumb.height)\" alt=\"\(HTML.escape(alt))\">"
        + "<figcaption>\(HTML.escape(caption)), \(time) s</figcaption></figure>"
    } catch {
      return
        "<span class=\"none\">thumbnail could not be encoded: \(HTML.escape(String(describing: error)))</span>"
    }
  }

  func criteriaSection() -> String {
    var s = """
      <section>
      <h2>Criteria</h2>
      <table class="criteria">
      <thead><tr><th>Criterion</th><th>Verdict</th><th>Flagged frames</th><th>Peak</th><th>First flagged</th></tr></thead>
      <tbody>

      """
    for c in document.criteria {
      s +=
        "<tr><td>\(HTML.escape(c.title))<br><small><code>\(HTML.escape(c.id.rawValue))</code></small></td>"
      s +=
        "<td><span class=\"badge \(c.verdict.rawValue)\">\(VerdictText.label(c.verdict))</span></td>"
      s += "<td class=\"num\">\(c.flaggedFrames)</td>"
      s += "<td class=\"num\">\(c.peak) <small>\(HTML.escape(c.peakUnit))</small></td>"
      s += "<td>\(c.firstFlaggedTime.map { VerdictText.seconds($0) } ?? "&ndash;")</td></tr>\n"
    }
    return s + "</tbody>\n</table>\n</section>\n"
  }

  func parameterSection() -> String {
    var s =
      "<section>\n<details>\n<summary>Every parameter used (profile \(document.profile.rawValue))</summary>\n"
    s += "<table class=\"params\">\n"
    for (key, value) in Self.flatten(document.parameters) {
      s += "<tr><th><code>\(HTML.escape(key))</code></th><td>\(HTML.escape(value))</td></tr>\n"
    }
    return s + "</table>\n</details>\n</section>\n"
  }

  func footer() -> String {
    let d = document
    let created = d.createdAt.map { " on <time datetime=\"\($0)\">\(HTML.escape($0))</time>" } ?? ""
    let reproduce =
      d.reproduce ?? ReproduceCommand.command(path: d.input.path, parameters: d.parameters)
    return """
      <footer>Written by \(HTML.escape(VerdictText.toolLine(d.tool)))\(created) (report schema \
      \(HTML.escape(d.schemaVersion))). Reproduce with <code class="reproduce">\(HTML.escape(reproduce))</code> \
      (from the folder the analysis was started in). \
      Automated analysis supports, and does not replace, a human review against the standard.</footer>

      """
  }

  /// Commands that play incident `i` of the video at `path` (shell-quoted; a relative name
  /// starting with `-` gets `./` so no player reads it as an option): ffplay from its start for
  /// its duration, mpv looping it.
  static func playCommands(_ i: IncidentReport, path: String) -> (ffplay: String, mpv: String) {
    let file = shellQuote(path.hasPrefix("-") && path != "-" ? "./" + path : path)
    let start = NumberText.fixed(i.start, decimals: 3)
    let end = NumberText.fixed(i.end, decimals: 3)
    let duration = NumberText.fixed(max(0, i.end - i.start), decimals: 3)
    return (
      "ffplay -ss \(start) -t \(duration) \(file)",
      "mpv --start=\(start) --ab-loop-a=\(start) --ab-loop-b=\(end) \(file)"
    )
  }

  static func shellQuote(_ s: String) -> String { ReproduceCommand.shellQuote(s) }

  /// `AnalysisParameters` as sorted (dotted key, value) pairs, read back from its own JSON so
  /// every field shows, including ones added later.
  static func flatten(_ parameters: AnalysisParameters) -> [(String, String)] {
    guard let data = try? JSONEncoder().encode(parameters),
      let value = try? JSONDecoder().decode(JSONValue.self, from: data)
    else { return [] }
    var out: [(String, String)] = []
    func walk(_ prefix: String, _ value: JSONValue) {
      switch value {
      case .object(let dict):
        for key in dict.keys.sorted() {
          walk(prefix.isEmpty ? key : "\(prefix).\(key)", dict[key]!)
        }
      default:
        out.append((prefix, value.text))
      }
    }
    walk("", value)
    return out
  }

  static let css = """
    :root { color-scheme: light; }
    * { box-sizing: border-box; }
    body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif;
      color: #1d1d1d; background: #f4f5f7; font-size: 15px; line-height: 1.4; }
    .banner { display: flex; align-items: center; gap: 24px; padding: 22px 32px; }
    .banner.fail { background: #c62828; color: #ffffff; }
    .banner.warning { background: #f9a825; color: #1d1d1d; }
    .banner.incomplete { background: #6a1b9a; color: #ffffff; }
    .banner.pass { background: #2e7d32; color: #ffffff; }
    .banner .verdict { font-size: 44px; font-weight: 800; letter-spacing: 2px; min-width: 150px; }
    .banner .sentence { font-size: 19px; margin: 0 0 6px 0; font-weight: 600; }
    .banner .file { margin: 0; opacity: 0.9; word-break: break-all; }
    main { max-width: 1160px; margin: 0 auto; padding: 8px 20px 40px; }
    section { background: #ffffff; border: 1px solid #dde0e4; border-radius: 6px; padding: 14px 18px; margin: 16px 0; }
    h2 { font-size: 18px; margin: 0 0 10px 0; }
    table { border-collapse: collapse; width: 100%; }
    th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid #e6e8eb; }
    .facts th, .params th { width: 200px; color: #444; font-weight: 600; }
    code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; word-break: break-all; }
    td.num { text-align: right; white-space: nowrap; }
    .pair { display: flex; gap: 8px; }
    figure { margin: 0; }
    figure img { display: block; width: 192px; height: auto; border: 1px solid #333; }
    figcaption { font-size: 12px; color: #444; margin-top: 2px; }
    td.time code { word-break: normal; }
    .nw { white-space: nowrap; }
    .incidents td { font-size: 14px; }
    .seek { cursor: pointer; }
    .player video { width: 100%; max-height: 60vh; background: #000; }
    .incidents tr.fail td:first-child { border-left: 5px solid #c62828; }
    .incidents tr.warning td:first-child { border-left: 5px solid #f9a825; }
    .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 700; }
    .badge.fail { background: #c62828; color: #fff; }
    .badge.warning { background: #f9a825; color: #1d1d1d; }
    .badge.pass { background: #2e7d32; color: #fff; }
    .timeline { width: 100%; height: auto; display: block; font-family: inherit; }
    .legend { font-size: 13px; color: #444; margin: 6px 0 0 0; }
    .swatch { display: inline-block; width: 14px; height: 10px; vertical-align: middle; margin-left: 8px; }
    .failshade { background: rgba(229, 57, 53, 0.3); border: 1px solid #e53935; }
    .warnshade { background: rgba(255, 179, 0, 0.3); border: 1px solid #ffb300; }
    .limitline { border-top: 2px dashed #c62828; height: 0; }
    .patternshade { background: rgba(123, 31, 162, 0.35); border: 1px solid #7b1fa2; }
    .none { color: #666; }
    .warn { color: #8a5300; font-weight: 600; }
    summary { cursor: pointer; font-weight: 600; }
    footer { font-size: 13px; color: #555; margin-top: 18px; }
    """
}

/// Any JSON value (to list a Codable value's fields generically).
enum JSONValue: Decodable {
  case null
  case bool(Bool)
  case number(Double)
  case string(String)
  case array([JSONValue])
  case object([String: JSONValue])

  init(from decoder: Decoder) throws {
    let c = try decoder.singleValueContainer()
    if c.decodeNil() {
      self = .null
    } else if let b = try? c.decode(Bool.self) {
      self = .bool(b)
    } else if let n = try? c.decode(Double.self) {
      self = .number(n)
    } else if let s = try? c.decode(String.self) {
      self = .string(s)
    } else if let a = try? c.decode([JSONValue].self) {
      self = .array(a)
    } else {
      self = .object(try c.decode([String: JSONValue].self))
    }
  }

  var text: String {
    switch self {
    case .null: return "none"
    case .bool(let b): return b ? "true" : "false"
    case .number(let n): return NumberText.fixed(n, decimals: 6)
    case .string(let s): return s
    case .array(let a): return a.map(\.text).joined(separator: ", ")
    case .object(let o):
      return o.keys.sorted().map { "\($0)=\(o[$0]!.text)" }.joined(separator: ", ")
    }
  }
}
