#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One input of a run: a path to scan, or a path that already failed while the inputs were
/// collected (its `problem` is printed as `flashscan: PATH: problem` when its turn comes).
struct InputItem: Sendable, Equatable {
  /// The path as given on the command line or as found by the walk; `-` is standard input.
  var path: String
  var problem: String?

  init(path: String, problem: String? = nil) {
    self.path = path
    self.problem = problem
  }
}

/// The inputs of a run and what the walk saw.
struct InputList: Sendable, Equatable {
  /// Sorted by the paths' UTF-8 bytes, each path once.
  var items: [InputItem]
  /// True when an argument was a directory (the tables then gain a `file` column).
  var walkedDirectory: Bool
  /// Files a walk passed over because their extension is not a video one (see `--all-files`).
  var skippedByExtension: Int { skippedPaths.count }
  /// Those files' paths, in walk order.
  var skippedPaths: [String]
  /// Symbolic links a walk met whose target is missing (or a link loop), in walk order, whatever
  /// their names: not regular files, so not scanned (`skippingDanglingLinks`).
  var danglingLinks: [String] = []

  /// The list without the dangling links the walks met. The walker lists those that look like a
  /// video as items with their problem (as any entry it cannot read); the scan command skips them
  /// and names them in a note instead of failing the batch (Docs/CLI.md).
  func skippingDanglingLinks() -> InputList {
    guard !danglingLinks.isEmpty else { return self }
    let dangling = Set(danglingLinks)
    var list = self
    list.items.removeAll { $0.problem != nil && dangling.contains($0.path) }
    return list
  }
}

/// Collects inputs: explicit paths are always taken; directories are walked recursively in sorted
/// order, skipping hidden names (a leading dot), non-regular files and, unless `allFiles`, files
/// without a video extension. Each real directory is entered once (by device and inode), so
/// symbolic-link loops cannot make the walk run forever. Symbolic links to nothing are recorded in
/// `InputList.danglingLinks` (see `InputList.skippingDanglingLinks`).
struct InputWalker {
  /// File-name extensions a walk takes by default (compared case-insensitively).
  static let videoExtensions: [String] = [
    "3g2", "3gp", "amv", "asf", "avi", "divx", "dv", "f4v", "flv", "gif", "h264", "h265", "hevc",
    "ivf", "m1v", "m2t", "m2ts", "m2v", "m4v", "mj2", "mjpeg", "mk3d", "mkv", "mov", "mp4", "mpe",
    "mpeg", "mpg", "mts", "mxf", "nut", "ogv", "qt", "rm", "rmvb", "ts", "vob", "webm", "wmv",
    "y4m",
  ]
  private static let extensionSet = Set(videoExtensions)

  var allFiles: Bool
  /// Directories never entered (the `--output-dir`, so tables written there are not walked).
  var excludedDirectories: [String]

  init(allFiles: Bool = false, excludedDirectories: [String] = []) {
    self.allFiles = allFiles
    self.excludedDirectories = excludedDirectories
  }

  static func hasVideoExtension(_ name: String) -> Bool {
    guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return false }
    let ext = name[name.index(after: dot)...].lowercased()
    return extensionSet.contains(ext)
  }

  private struct FileID: Hashable {
    var device: UInt64
    var inode: UInt64
  }

  func collect(_ arguments: [String]) -> InputList {
    var items: [InputItem] = []
    var walked = false
    var skipped: [String] = []
    var dangling: [String] = []
    var visited = Set<FileID>()
    for dir in excludedDirectories {
      var st = stat()
      if stat(dir, &st) == 0 {
        visited.insert(FileID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino)))
      }
    }
    for argument in arguments {
      if argument == "-" {
        items.append(InputItem(path: "-"))
        continue
      }
      var st = stat()
      if stat(argument, &st) != 0 {
        items.append(InputItem(path: argument, problem: Self.reason(errno)))
        continue
      }
      if (st.st_mode & S_IFMT) == S_IFDIR {
        walked = true
        visited.insert(FileID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino)))
        walk(argument, into: &items, visited: &visited, skipped: &skipped, dangling: &dangling)
      } else {
        items.append(InputItem(path: argument))
      }
    }
    // Sort by bytes, not by locale or Unicode collation, so every machine and shard agrees.
    items.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    var unique: [InputItem] = []
    for item in items where unique.last?.path != item.path { unique.append(item) }
    return InputList(
      items: unique, walkedDirectory: walked, skippedPaths: skipped, danglingLinks: dangling)
  }

  private func walk(
    _ dir: String, into items: inout [InputItem], visited: inout Set<FileID>,
    skipped: inout [String], dangling: inout [String]
  ) {
    guard let handle = opendir(dir) else {
      items.append(InputItem(path: dir, problem: "cannot read directory: " + Self.reason(errno)))
      return
    }
    var names: [String] = []
    while let entry = readdir(handle) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
      }
      if name.hasPrefix(".") { continue }  // hidden, and "." and ".."
      names.append(name)
    }
    closedir(handle)
    names.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    let prefix = dir.hasSuffix("/") ? dir : dir + "/"
    for name in names {
      let path = prefix + name
      var st = stat()
      if stat(path, &st) != 0 {
        let code = errno
        var link = stat()
        if (code == ENOENT || code == ELOOP) && lstat(path, &link) == 0
          && (link.st_mode & S_IFMT) == S_IFLNK
        {
          dangling.append(path)  // a link to nothing: noted, never scanned
        }
        // Listed with its problem if it looks like a video (`InputList.skippingDanglingLinks`
        // drops the dangling links again).
        if allFiles || Self.hasVideoExtension(name) {
          items.append(InputItem(path: path, problem: Self.reason(code)))
        }
        continue
      }
      switch st.st_mode & S_IFMT {
      case S_IFDIR:
        let id = FileID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
        if visited.insert(id).inserted {
          walk(path, into: &items, visited: &visited, skipped: &skipped, dangling: &dangling)
        }
      case S_IFREG:
        if allFiles || Self.hasVideoExtension(name) {
          items.append(InputItem(path: path))
        } else {
          skipped.append(path)
        }
      default:
        continue  // FIFOs, sockets, devices: opening them could block forever.
      }
    }
  }

  static func reason(_ code: Int32) -> String {
    switch code {
    case ENOENT: return "no such file or directory"
    case EACCES: return "permission denied"
    default: return String(cString: strerror(code)).lowercased()
    }
  }
}

/// `--shard K/N`: worker K (counted from 0) of N takes every N-th input of the sorted list,
/// starting at the K-th, so N workers split any list into disjoint, balanced parts.
struct Shard: Sendable, Equatable, CustomStringConvertible {
  var index: Int
  var count: Int

  init(index: Int, count: Int) {
    precondition(count > 0 && (0..<count).contains(index))
    self.index = index
    self.count = count
  }

  /// Parses "K/N" with 0 <= K < N; nil when malformed.
  init?(parsing text: String) {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n > 0, k >= 0, k < n
    else { return nil }
    self.init(index: k, count: n)
  }

  func select<T>(_ items: [T]) -> [T] {
    items.enumerated().compactMap { $0.offset % count == index ? $0.element : nil }
  }

  var description: String { "\(index)/\(count)" }
}

/// Where `--output-dir` puts the table of an input: the input's path mirrored under the
/// directory, with the format's extension appended (`clips/a.mp4` -> `OUT/clips/a.mp4.csv`).
/// Leading `/` and `.` components are dropped and `..` becomes `__`, so every table stays inside
/// the directory; standard input's table is `OUT/stdin.EXT`.
func mirroredOutputPath(for input: String, in directory: String, format: TableFormat)
  -> String
{
  mirroredOutputPath(for: input, in: directory, extension: format.fileExtension)
}

/// `input`'s mirrored path under `directory` with the extension `ext` (appended to the input's
/// whole name, so `a.mp4` and `a.mkv` do not collide).
func mirroredOutputPath(for input: String, in directory: String, extension ext: String)
  -> String
{
  let relative: String
  if input == "-" {
    relative = "stdin"
  } else {
    let parts = input.split(separator: "/").filter { $0 != "." }.map {
      $0 == ".." ? "__" : String($0)
    }
    relative = parts.joined(separator: "/")
  }
  let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
  return (base.isEmpty ? "/" : base + "/") + relative + "." + ext
}
