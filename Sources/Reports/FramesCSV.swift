import Foundation
import Photosensitivity
import TextOutput

/// The per-frame analysis as CSV (RFC 4180, header line, `\n` line ends), one row per decoded
/// frame. Docs/Reports.md documents the columns.
public enum FramesCSV {
  public static let columns = [
    "frame", "time", "t", "flashes_per_second", "luminance_transitions", "red_transitions",
    "max_region_transitions", "flashing_area_share", "field_share", "luminance_extended_count",
    "red_extended_count", "luminance_result", "red_result", "verdict", "region_x", "region_y",
    "region_width", "region_height", "luminance_cd_m2",
  ]

  /// The header and every row. `t` is empty for frame 0 (the T table starts at frame 1), as are
  /// `field_share` under `iris` and the region columns of frames with no flashing region.
  /// `luminance_cd_m2` is the frame's mean luminance under the profile's display model.
  public static func text(frames: [FrameRow], tSeries: TSeries) -> String {
    var out = columns.joined(separator: ",") + "\n"
    out.reserveCapacity(frames.count * 96)
    let number = NumberText.shortestDescription  // `2`, not `2.0`; never `-0`
    for r in frames {
      let cells: [String] = [
        "\(r.frame)", number(r.time), tSeries.t(frame: r.frame).map(number) ?? "",
        number(r.flashesPerSecond), "\(r.luminanceTransitions)", "\(r.redTransitions)",
        "\(r.maxRegionTransitions)", number(r.flashingAreaShare), r.fieldShare.map(number) ?? "",
        "\(r.luminanceExtendedCount)", "\(r.redExtendedCount)", "\(r.luminanceResult.rawValue)",
        "\(r.redResult.rawValue)", r.verdict.rawValue, r.region.map { "\($0.x)" } ?? "",
        r.region.map { "\($0.y)" } ?? "", r.region.map { "\($0.width)" } ?? "",
        r.region.map { "\($0.height)" } ?? "", r.luminance.map(number) ?? "",
      ]
      out += cells.joined(separator: ",")
      out += "\n"
    }
    return out
  }
}

extension FlashReport {
  /// `FramesCSV.text` of this report's frames and T table.
  public func framesCSV() -> String { FramesCSV.text(frames: frames, tSeries: tSeries) }
}
