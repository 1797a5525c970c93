/// Why `Flashinator.scan` stopped.
public enum FlashinatorError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The frames have `channels` samples a pixel but the gray mode needs `expected`.
  case channelMismatch(mode: GrayMode, channels: Int, expected: Int)
  /// A frame's size differs from the frame before it.
  case frameSizeChanged(frame: Int, from: [Int], to: [Int])
  case invalidOption(String)

  public var description: String {
    switch self {
    case .channelMismatch(let mode, let channels, let expected):
      return "gray mode '\(mode.rawValue)' needs \(expected)-channel frames, got \(channels)"
    case .frameSizeChanged(let frame, let from, let to):
      return "frame \(frame) is \(to) but the frame before it is \(from)"
    case .invalidOption(let message):
      return message
    }
  }
}
