/// Why a video could not be read. `description` is the one line a user sees after the path.
public enum MediaError: Error, Sendable, Equatable, CustomStringConvertible {
  case notFound(path: String)
  case permissionDenied(path: String)
  case emptyFile(path: String)
  case notMedia(path: String, reason: String)
  case noVideoStream(path: String)
  case noSuchStream(path: String, index: Int)
  case unsupportedCodec(path: String, codec: String)
  case decodeFailed(path: String, reason: String)
  /// FFmpeg refused the frame size (`av_image_check_size`); see `FrameSizeLimit`.
  case frameTooLarge(path: String, width: Int, height: Int)
  case io(path: String, reason: String)

  public var path: String {
    switch self {
    case .notFound(let p), .permissionDenied(let p), .emptyFile(let p), .noVideoStream(let p):
      return p
    case .notMedia(let p, _), .noSuchStream(let p, _), .unsupportedCodec(let p, _),
      .decodeFailed(let p, _), .io(let p, _), .frameTooLarge(let p, _, _):
      return p
    }
  }

  /// The cause, without the path.
  public var reason: String {
    switch self {
    case .notFound: return "no such file or directory"
    case .permissionDenied: return "permission denied"
    case .emptyFile: return "empty file"
    case .notMedia(_, let r): return "not a media file (\(r))"
    case .noVideoStream: return "no video stream"
    case .noSuchStream(_, let i): return "no video stream with index \(i)"
    case .unsupportedCodec(_, let c): return "unsupported video codec '\(c)'"
    case .decodeFailed(_, let r): return "decoding failed: \(r)"
    case .frameTooLarge(_, let w, let h):
      return "frame too large: \(w)x\(h) pixels; \(FrameSizeLimit.text)"
    case .io(_, let r): return r
    }
  }

  public var description: String { "\(path): \(reason)" }
}
