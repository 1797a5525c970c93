import Crypto
import Foundation

/// `--report-video`: the HTML report's player of the source video, found by a URL relative to
/// the report, and the one script of the page, which seeks it to a clicked incident's start.
public enum ReportVideo {
  /// Finds the element clicked, or an ancestor, with `data-start` (an incident row, or its band
  /// on the timeline) and sets the player's `currentTime` to it.
  public static let script =
    "(function(){var v=document.getElementById('source-video');if(!v)return;"
    + "document.addEventListener('click',function(e){"
    + "var t=e.target&&e.target.closest?e.target.closest('[data-start]'):null;if(!t)return;"
    + "var s=parseFloat(t.getAttribute('data-start'));if(!isFinite(s))return;"
    + "v.currentTime=s;v.scrollIntoView({block:'nearest'});});})();"

  /// The script's CSP source (`'sha256-...'`): the Content-Security-Policy allows this script
  /// and no other.
  public static let scriptHash: String =
    "sha256-" + Data(Crypto.SHA256.hash(data: Array(script.utf8))).base64EncodedString()

  /// The video at `videoPath` as a URL relative to the folder of the report at `reportPath`
  /// (both as given, relative ones taken from `currentDirectory`): `../clips/a%20b.mp4`. Each
  /// path component is percent-encoded (UTF-8; only `A-Z a-z 0-9 - . _ ~` stay as they are), so
  /// spaces, `#`, `?`, `%`, `:` and quotes cannot change the URL's meaning. `.` and `..` in the
  /// given paths are resolved by name (symbolic links are not followed).
  public static func relativeURL(
    reportPath: String, videoPath: String,
    currentDirectory: String = FileManager.default.currentDirectoryPath
  ) -> String {
    let report = components(reportPath, currentDirectory: currentDirectory)
    let video = components(videoPath, currentDirectory: currentDirectory)
    let folder = report.dropLast()
    var common = 0
    while common < folder.count, common < video.count - 1,
      folder[folder.startIndex + common] == video[common]
    {
      common += 1
    }
    let ups = Array(repeating: "..", count: folder.count - common)
    return (ups + video[common...].map(percentEncoded)).joined(separator: "/")
  }

  /// The absolute path's components (no empty ones), `.` and `..` resolved.
  static func components(_ path: String, currentDirectory: String) -> [String] {
    let absolute = path.hasPrefix("/") ? path : currentDirectory + "/" + path
    var out: [String] = []
    for part in absolute.split(separator: "/", omittingEmptySubsequences: true) {
      switch part {
      case ".": continue
      case "..": if !out.isEmpty { out.removeLast() }
      default: out.append(String(part))
      }
    }
    return out
  }

  /// `component` with every byte outside `A-Z a-z 0-9 - . _ ~` written `%XX` (RFC 3986).
  static func percentEncoded(_ component: String) -> String {
    var out = ""
    for byte in component.utf8 {
      switch byte {
      case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
        UInt8(ascii: "_"), UInt8(ascii: "~"):
        out.append(Character(UnicodeScalar(byte)))
      default:
        out += String(format: "%%%02X", byte)
      }
    }
    return out
  }
}
