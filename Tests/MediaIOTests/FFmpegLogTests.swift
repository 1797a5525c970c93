import CFFmpeg
import Foundation
import Testing

@testable import MediaIO

/// FFmpeg's messages are read back by the context that logged them (issue 14: a decode warning
/// must not depend on which freed context's address a new one happens to get).
@Suite struct FFmpegLogTests {
  /// Logs `text` through FFmpeg's logging, as the library does, from `context`.
  static func log(_ context: UnsafeMutableRawPointer, _ level: Int32, _ text: String) {
    withVaList([]) { av_vlog(context, level, text, $0) }
  }

  /// A parser or stream-info decoder that avformat frees without the message store knowing logs
  /// "missing picture in access unit"; a later context at the same address must not report it as
  /// its own error. (The same context stands for both: what matters is the address.)
  @Test func aContextAtAReusedAddressReadsOnlyWhatWasLoggedSinceItsReaderStarted() throws {
    _ = FFmpegLog.install
    var allocated = avcodec_alloc_context3(nil)
    defer { avcodec_free_context(&allocated) }
    let context = UnsafeMutableRawPointer(try #require(allocated))
    Self.log(context, AV_LOG_ERROR, "missing picture in access unit with size 9")
    #expect(FFmpegLog.lastMessage(from: [context], since: 0) != nil)
    let floor = FFmpegLog.mark()
    #expect(FFmpegLog.lastMessage(from: [context], since: floor) == nil)
    #expect(FFmpegLog.messages(from: [context], since: floor).isEmpty)
    Self.log(context, AV_LOG_ERROR, "Error splitting the input into NAL units.")
    Self.log(context, AV_LOG_INFO, "an info note is not kept")
    #expect(
      FFmpegLog.lastMessage(from: [context], since: floor)
        == "Error splitting the input into NAL units.")
    #expect(
      FFmpegLog.messages(from: [context], since: floor)
        == ["Error splitting the input into NAL units."])
    FFmpegLog.forget([context])
  }

  /// A watched decoder's worker threads log through copies of its codec context: their messages
  /// and damage reports (errors, concealment notes) are the decoder's, under a key never reused.
  @Test func aWatchedDecodersCopiesLogAsTheDecoder() throws {
    _ = FFmpegLog.install
    var original = avcodec_alloc_context3(nil)
    var copy = avcodec_alloc_context3(nil)
    defer {
      avcodec_free_context(&original)
      avcodec_free_context(&copy)
    }
    let decoder = try #require(original)
    let worker = try #require(copy)
    let key = FFmpegLog.newDecoderKey()
    #expect(FFmpegLog.newDecoderKey() != key)
    decoder.pointee.opaque = key
    worker.pointee.opaque = key
    let floor = FFmpegLog.mark()
    FFmpegLog.watch(key)
    Self.log(UnsafeMutableRawPointer(worker), AV_LOG_INFO, "concealing 5 DC, 5 AC, 5 MV errors")
    Self.log(UnsafeMutableRawPointer(worker), AV_LOG_ERROR, "error while decoding MB 3 4")
    #expect(FFmpegLog.damageReports(key) == 2)
    #expect(
      FFmpegLog.lastMessage(from: [UnsafeMutableRawPointer(decoder)], since: floor)
        == "error while decoding MB 3 4")
    FFmpegLog.unwatch(key)
    #expect(FFmpegLog.damageReports(key) == 0)
    decoder.pointee.opaque = nil
    #expect(FFmpegLog.lastMessage(from: [UnsafeMutableRawPointer(decoder)], since: floor) == nil)
  }
}
