extension AnalysisParameters {
  /// The verdict a frame-result code (0 pass, 1 the 4-6 transition band, 2 extended, 3 flash
  /// fail; IRIS's codes) stands for under these parameters.
  public func severity(_ code: Int) -> Verdict {
    switch code {
    case 3: return .fail
    case 2: return extendedVerdict
    case 1: return warnOnTransitionBand ? .warning : .pass
    default: return .pass
    }
  }

  /// Whether `row` belongs to a run of `kind` (the frames one incident spans), with the verdict it
  /// carries there and the transitions that rank it within the run; nil when it does not. The
  /// extended result (code 2) belongs to `extended`; codes 3 and 1 to their own kind. The
  /// analysis builds its incidents from this rule and the report's thumbnail collector follows
  /// the same runs during the pass.
  public func incidentFlag(_ kind: IncidentKind, _ row: FrameRow) -> (
    verdict: Verdict, transitions: Int
  )? {
    let verdict: Verdict
    let transitions: Int
    switch kind {
    case .luminance:
      verdict = row.luminanceResult == 2 ? .pass : severity(row.luminanceResult)
      transitions = row.luminanceTransitions
    case .red:
      verdict = row.redResult == 2 ? .pass : severity(row.redResult)
      transitions = row.redTransitions
    case .extended:
      verdict = row.luminanceResult == 2 || row.redResult == 2 ? extendedVerdict : .pass
      transitions = max(row.luminanceTransitions, row.redTransitions)
    }
    return verdict > .pass ? (verdict, transitions) : nil
  }
}
