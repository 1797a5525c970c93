import Photosensitivity
import Testing

@Suite("SMPTE timecode")
struct TimecodeTests {
  @Test("non-drop-frame at 25 fps")
  func pal() {
    #expect(Timecode.smpte(frame: 0, frameRate: 25) == "00:00:00:00")
    #expect(Timecode.smpte(frame: 24, frameRate: 25) == "00:00:00:24")
    #expect(Timecode.smpte(frame: 25 * 3661 + 7, frameRate: 25) == "01:01:01:07")
    #expect(Timecode.smpte(seconds: 2.04, frameRate: 25) == "00:00:02:01")
  }

  @Test("drop-frame at 29.97: frames 0 and 1 skipped each minute but every tenth")
  func ntsc() {
    let r = 30000.0 / 1001
    #expect(Timecode.smpte(frame: 1799, frameRate: r) == "00:00:59;29")
    #expect(Timecode.smpte(frame: 1800, frameRate: r) == "00:01:00;02")
    #expect(Timecode.smpte(frame: 17982, frameRate: r) == "00:10:00;00")
    #expect(Timecode.smpte(frame: 107892, frameRate: r) == "01:00:00;00")
  }

  @Test("drop-frame at 59.94 drops 4 numbers a minute; 60 and 24 fps do not drop")
  func others() {
    #expect(Timecode.smpte(frame: 3600, frameRate: 60000.0 / 1001) == "00:01:00;04")
    #expect(Timecode.smpte(frame: 3600, frameRate: 60) == "00:01:00:00")
    #expect(Timecode.smpte(frame: 24 * 60, frameRate: 24000.0 / 1001) == "00:01:00:00")
  }
}
