extension PhotosensitivityAnalyzer {
  /// Frames consumed so far.
  public var consumedFrames: Int { raws.count }

  /// The rows `finish()` gives frames `start ..< consumedFrames` (positions in consumption
  /// order, which are the frame indices of a stream read from its start), at a cost in
  /// proportion to their number: a row depends only on its own frame's results, so the report's
  /// thumbnail collector can follow the incidents during the pass.
  public func frameRows(from start: Int) -> [FrameRow] {
    precondition(start >= 0 && start <= raws.count, "no such frame")
    guard start < raws.count else { return [] }
    var tail = self
    tail.raws = Array(raws[start...])
    return tail.finish().frames
  }
}
