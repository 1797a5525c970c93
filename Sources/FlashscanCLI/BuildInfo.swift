import CBuildInfo

/// What `flashscan --version` prints: the version and the git commit of the build.
///
/// Scripts/package tells the C target Sources/CBuildInfo the commit through a header it writes in
/// .build-package (git-ignored); nothing in the source tree is written. A plain `swift build` is
/// not told the commit, and the line says so.
package enum BuildInfo {
  package static let version = "0.1.0"

  /// The commit hash (with `-dirty` when the tree had changes), nil when the build was not told.
  package static let commit: String? = {
    let text = String(cString: flashscan_git_commit())
    return text.isEmpty ? nil : text
  }()

  /// `0.1.0 (commit 911e616)`, or `0.1.0 (commit unknown: not built by Scripts/package)`.
  package static var versionLine: String {
    "\(version) (commit \(commit ?? "unknown: not built by Scripts/package"))"
  }
}
