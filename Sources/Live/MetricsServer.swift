import Foundation
import Frames

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A minimal HTTP/1.1 server for the metrics, on one thread of its own: `GET /metrics` answers
/// the exposition text, any other path 404, any other method 405, a request line or header
/// block over `maxRequestBytes` (or not complete within `readTimeout` seconds) 400. One
/// connection at a time, closed after each answer (`Connection: close`).
public final class MetricsServer: Sendable {
  public static let maxRequestBytes = 8192
  public static let readTimeout = 2.0

  /// The address it listens on (`127.0.0.1:9090`); the port is the real one when 0 was asked.
  public let address: String
  private let listener: Int32
  private let stopped = Locked(false)
  private let body: @Sendable () -> [UInt8]

  /// Binds `host:port` (an IPv4 address, or `localhost`) and starts serving `body()` at
  /// /metrics. Throws `MetricsServerError` when the address is bad or cannot be bound.
  public init(host: String, port: Int, body: @escaping @Sendable () -> [UInt8]) throws {
    self.body = body
    let ip = host == "localhost" ? "127.0.0.1" : host
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    guard (0...65535).contains(port), inet_pton(AF_INET, ip, &address.sin_addr) == 1 else {
      throw MetricsServerError(message: "--metrics \(host):\(port): not an IPv4 address and port")
    }
    address.sin_port = in_port_t(UInt16(port)).bigEndian
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else {
      throw MetricsServerError(message: "socket: \(String(cString: strerror(errno)))")
    }
    var yes: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p -> Int32 in
        guard bind(fd, p, length) == 0, listen(fd, 16) == 0 else { return -1 }
        return getsockname(fd, p, &length)
      }
    }
    guard bound == 0 else {
      let reason = String(cString: strerror(errno))
      close(fd)
      throw MetricsServerError(message: "--metrics \(host):\(port): cannot listen: \(reason)")
    }
    listener = fd
    self.address = "\(ip):\(UInt16(bigEndian: address.sin_port))"
    let thread = Thread { [self] in serve() }
    thread.name = "flashscan.metrics"
    thread.start()
  }

  /// Stops accepting (within about 0.2 s) and closes the socket.
  public func stop() { stopped.withLock { $0 = true } }

  private func serve() {
    defer { close(listener) }
    while !stopped.withLock({ $0 }) {
      var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
      guard poll(&poller, 1, 200) > 0 else { continue }
      let client = accept(listener, nil, nil)
      guard client >= 0 else { continue }
      answer(client)
      close(client)
    }
  }

  /// Reads one request (bounded in size and time) and writes the answer.
  private func answer(_ fd: Int32) {
    var timeout = timeval(tv_sec: Int(Self.readTimeout), tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var request: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 2048)
    let end: [UInt8] = Array("\r\n\r\n".utf8)
    var complete = false
    while request.count <= Self.maxRequestBytes {
      let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
      if n < 0 && errno == EINTR { continue }
      if n <= 0 { break }
      request += buffer[0..<n]
      if request.count >= 4, Self.contains(request, end) {
        complete = true
        break
      }
    }
    guard complete, request.count <= Self.maxRequestBytes else {
      reply(fd, status: "400 Bad Request", body: Array("bad request\n".utf8))
      return
    }
    let line = String(decoding: request.prefix { $0 != 0x0D && $0 != 0x0A }, as: UTF8.self)
    let parts = line.split(separator: " ")
    guard parts.count == 3, parts[2].hasPrefix("HTTP/1.") else {
      reply(fd, status: "400 Bad Request", body: Array("bad request\n".utf8))
      return
    }
    guard parts[0] == "GET" || parts[0] == "HEAD" else {
      reply(fd, status: "405 Method Not Allowed", body: Array("only GET\n".utf8))
      return
    }
    let path = parts[1].split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
    guard path == "/metrics" else {
      reply(
        fd, status: "404 Not Found", body: Array("not found; the metrics are at /metrics\n".utf8))
      return
    }
    reply(
      fd, status: "200 OK", body: body(), type: "text/plain; version=0.0.4; charset=utf-8",
      head: parts[0] == "HEAD")
  }

  #if os(Linux)
    static let noSignal = Int32(MSG_NOSIGNAL)
  #else
    static let noSignal: Int32 = 0
  #endif

  static func contains(_ bytes: [UInt8], _ needle: [UInt8]) -> Bool {
    guard bytes.count >= needle.count else { return false }
    for i in 0...(bytes.count - needle.count) where bytes[i] == needle[0] {
      if Array(bytes[i..<(i + needle.count)]) == needle { return true }
    }
    return false
  }

  private func reply(
    _ fd: Int32, status: String, body: [UInt8], type: String = "text/plain; charset=utf-8",
    head: Bool = false
  ) {
    var out = Array(
      ("HTTP/1.1 \(status)\r\nContent-Type: \(type)\r\nContent-Length: \(body.count)\r\n"
        + "Connection: close\r\n\r\n").utf8)
    if !head { out += body }
    out.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let n = send(fd, raw.baseAddress! + offset, raw.count - offset, Self.noSignal)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { return }
        offset += n
      }
    }
  }
}

public struct MetricsServerError: Error, CustomStringConvertible {
  public var message: String
  public var description: String { message }
}
