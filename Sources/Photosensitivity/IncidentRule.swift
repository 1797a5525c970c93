extension AnalysisParameters {
  /// The verdict a frame result stands for under these parameters.
  public func severity(_ result: FrameResult) -> Verdict {
    switch result {
    case .flashFailure: return .fail
    case .extendedFailure: return extendedVerdict
    case .transitionBand: return warnOnTransitionBand ? .warning : .pass
    case .pass: return .pass
    }
  }

  /// Whether `row` belongs to a run of `kind` (the frames one incident spans), with the verdict it
  /// carries there and the transitions that rank it within the run; nil when it does not. The
  /// extended failure belongs to `extended`; the flash failure and the band to their own kind.
  /// `IncidentTracker` builds the incidents from this rule.
  public func incidentFlag(_ kind: IncidentKind, _ row: FrameRow) -> (
    verdict: Verdict, transitions: Int
  )? {
    let verdict: Verdict
    let transitions: Int
    switch kind {
    case .luminance:
      verdict = row.luminanceResult == .extendedFailure ? .pass : severity(row.luminanceResult)
      transitions = row.luminanceTransitions
    case .red:
      verdict = row.redResult == .extendedFailure ? .pass : severity(row.redResult)
      transitions = row.redTransitions
    case .extended:
      verdict =
        row.luminanceResult == .extendedFailure || row.redResult == .extendedFailure
        ? extendedVerdict : .pass
      transitions = max(row.luminanceTransitions, row.redTransitions)
    case .pattern:
      // Pattern incidents come from `PatternAnalyzer` (a duration rule over its own rows).
      return nil
    }
    return verdict > .pass ? (verdict, transitions) : nil
  }
}
