import Photosensitivity
import Reports
import Testing

/// Editor markers (issue 13): the EDL's and CSV's timecodes against hand-computed ones.
@Suite("markers")
struct MarkersTests {
  @Test("EDL at 29.97 drop-frame: a marker across a minute boundary")
  func dropFrameEDL() {
    // Frame 1799 is 00:00:59;29; the next frame, 1800, is 00:01:00;02 (;00 and ;01 skipped),
    // and 1830 (30 frames on) is 00:01:01;02.
    let markers = [
      Marker(startFrame: 1799, endFrame: 1830, kind: .luminance, verdict: .fail, note: "a|b\nc"),
      Marker(startFrame: 17_982, endFrame: 17_983, kind: .red, verdict: .warning, note: "second"),
    ]
    let text = Markers.edl(title: "clip", markers: markers, frameRate: 30000.0 / 1001)
    #expect(
      text == """
        TITLE: clip
        FCM: DROP FRAME

        001  001      V     C        00:00:59;29 00:01:00;02 00:00:59;29 00:01:00;02
         |C:ResolveColorRed |M:a b c |D:31

        002  001      V     C        00:10:00;00 00:10:00;01 00:10:00;00 00:10:00;01
         |C:ResolveColorYellow |M:second |D:1


        """)
    let csv = Markers.csv(markers: markers, frameRate: 30000.0 / 1001)
    #expect(
      csv == """
        number,start_timecode,end_timecode,duration_frames,kind,verdict,note
        1,00:00:59;29,00:01:01;02,31,luminance,fail,"a|b
        c"
        2,00:10:00;00,00:10:00;01,1,red,warning,second

        """)
  }

  @Test("EDL at 25 fps from a 10:00:00:00 start")
  func palEDL() {
    let text = Markers.edl(
      title: "x",
      markers: [
        Marker(startFrame: 900_025, endFrame: 900_075, kind: .luminance, verdict: .fail, note: "n")
      ], frameRate: 25)
    #expect(
      text == """
        TITLE: x
        FCM: NON-DROP FRAME

        001  001      V     C        10:00:01:00 10:00:01:01 10:00:01:00 10:00:01:01
         |C:ResolveColorRed |M:n |D:50


        """)
    #expect(Markers.format(of: "a/b.EDL") == .edl && Markers.format(of: "m.csv") == .csv)
    #expect(Markers.format(of: "m.txt") == nil)
  }
}
