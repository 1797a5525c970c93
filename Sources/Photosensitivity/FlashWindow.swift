/// What one kind of flashing did in the window that judged one frame: the transitions that
/// counted toward it and the area that flashed. The incident rule spans an incident from the
/// first counting transition of its first flagged frame to the last counting transition of its
/// last one, and takes each kind's own area and bounding box from these.
public struct FlashWindow: Sendable, Equatable {
  /// Presentation times of the first and last transition counted in the window (for extended
  /// flashing: the first transition of the first in-band frame of the 5 s window).
  public var firstTransition: Double
  public var lastTransition: Double
  /// The counted flashing area of this kind, as a share of the screen and of one 10-degree
  /// field (nil under IRIS), and its bounding box in pixels (nil: the whole frame).
  public var screenShare: Double
  public var fieldShare: Double?
  public var box: PixelRect?

  public init(
    firstTransition: Double, lastTransition: Double, screenShare: Double, fieldShare: Double?,
    box: PixelRect?
  ) {
    self.firstTransition = firstTransition
    self.lastTransition = lastTransition
    self.screenShare = screenShare
    self.fieldShare = fieldShare
    self.box = box
  }
}
