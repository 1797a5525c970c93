import Foundation
import Testing

/// Docs/scale's segment recipes: Docs/Scale.md shows them verbatim, and their flashscan commands
/// use only options the command line has.
@Suite("Segment recipes")
struct SegmentRecipeTests {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  static let recipes = ["Docs/scale/k8s-segments.yaml", "Docs/scale/slurm-segments.sh"]

  static func text(_ path: String) throws -> String {
    try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
  }

  @Test func scaleDocShowsTheRecipesVerbatim() throws {
    let doc = try Self.text("Docs/Scale.md")
    for recipe in Self.recipes {
      #expect(doc.contains(try Self.text(recipe)), "Docs/Scale.md shows \(recipe) as it is")
    }
  }

  /// `--name` tokens of the flashscan commands: every one in the YAML (it has no other commands
  /// with options), the flashscan lines of the shell script.
  static func options(of recipe: String, _ text: String) -> Set<String> {
    let lines = text.split(separator: "\n").map(String.init)
    let commandLines =
      recipe.hasSuffix(".yaml")
      ? lines.filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }
      : lines.filter { $0.hasPrefix("exec flashscan ") || $0.hasPrefix("flashscan ") }
    var out = Set<String>()
    for line in commandLines {
      for word in line.split(whereSeparator: { " \"'=(),".contains($0) })
      where word.hasPrefix("--") && word.dropFirst(2).first?.isLetter == true {
        out.insert(String(word))
      }
    }
    return out
  }

  @Test func recipesUseRealOptions() throws {
    let scan = try Flashscan.run(["scan", "--help"])
    let merge = try Flashscan.run(["merge", "--help"])
    #expect(scan.status == 0 && merge.status == 0)
    let help = scan.stdout + merge.stdout
    for recipe in Self.recipes {
      let used = Self.options(of: recipe, try Self.text(recipe))
      #expect(used.contains("--segment") || used.contains("--part-out"), "\(recipe): \(used)")
      for option in used {
        #expect(help.contains(option + " ") || help.contains(option + "\n"), "\(recipe): \(option)")
      }
    }
  }
}
