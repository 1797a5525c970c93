import Photosensitivity
import Testing

/// Reading a source's start timecode and counting from it (issue 13), against hand-computed
/// frame numbers.
@Suite("start timecode")
struct StartTimecodeTests {
  @Test("non-drop-frame: HH:MM:SS:FF is ((HH * 60 + MM) * 60 + SS) * fps + FF")
  func nonDrop() {
    #expect(Timecode.frames(of: "10:00:00:00", frameRate: 25) == 900_000)
    #expect(Timecode.frames(of: "01:00:00:00", frameRate: 24) == 86_400)
    #expect(Timecode.frames(of: "00:00:01:05", frameRate: 30) == 35)
    #expect(Timecode.smpte(seconds: 1, frameRate: 25, start: 900_000) == "10:00:01:00")
    #expect(Timecode.frames(of: "00:00:00:25", frameRate: 25) == nil)
    #expect(Timecode.frames(of: "1:2", frameRate: 25) == nil)
    #expect(Timecode.frames(of: "aa:00:00:00", frameRate: 25) == nil)
  }

  @Test(
    "drop-frame at 29.97 and 59.94: frame numbers ;00 ;01 (;00 to ;03) skipped each minute but every tenth"
  )
  func drop() {
    let ntsc = 30000.0 / 1001
    // One hour: 108,000 nominal frames less 2 x (60 - 6) skipped = 107,892.
    #expect(Timecode.frames(of: "01:00:00;00", frameRate: ntsc) == 107_892)
    // The first minute holds 1,800 frames (00:00:00;00 ... 00:00:59;29); the next is ;02.
    #expect(Timecode.frames(of: "00:01:00;02", frameRate: ntsc) == 1_800)
    #expect(Timecode.frames(of: "00:01:00;00", frameRate: ntsc) == nil)
    // Ten minutes: 18,000 - 9 x 2 = 17,982; the tenth minute keeps ;00.
    #expect(Timecode.frames(of: "00:10:00;00", frameRate: ntsc) == 17_982)
    // 59.94: four numbers skipped a minute.
    #expect(Timecode.frames(of: "00:01:00;04", frameRate: 60000.0 / 1001) == 3_600)
    #expect(Timecode.frames(of: "01:00:00;00", frameRate: 60000.0 / 1001) == 215_784)
    // Counting on from 01:00:00;00: frame 30 (1.001 s) is 01:00:01;00; 1,800 frames on, the
    // next minute starts at ;02.
    #expect(
      Timecode.smpte(seconds: 30 * 1001 / 30000.0, frameRate: ntsc, start: 107_892) == "01:00:01;00"
    )
    #expect(Timecode.smpte(frame: 107_892 + 1_800, frameRate: ntsc) == "01:01:00;02")
    for text in ["00:00:00;00", "00:09:59;29", "00:10:00;00", "00:11:00;02", "23:59:59;29"] {
      let f = Timecode.frames(of: text, frameRate: ntsc)
      #expect(f.map { Timecode.smpte(frame: $0, frameRate: ntsc) } == text)
    }
  }
}
