// PNG round trips through libpng, atomic writes, and charts that really draw their text and lines.
import Foundation
import Testing
@testable import Rendering
import CZlib

@Test func pngRoundTripKeepsEveryPixel() throws {
    var c = Canvas(width: 7, height: 5)
    c.set(0, 0, RGBA(255, 0, 0))
    c.set(6, 4, RGBA(1, 2, 3))
    c.set(3, 2, RGBA(10, 20, 30, 128))
    let bytes = try PNGFile.encode(c)
    #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    let back = try PNGFile.decode(bytes)
    #expect(back.width == 7 && back.height == 5)
    #expect(back.pixels == c.pixels)
}

/// The opaque path, the one every real picture takes (RGB, 3 bytes a pixel): read back by a decoder
/// written here from the PNG spec (IHDR, IDAT through zlib, the five row filters), not by libpng, so
/// a channel swapped or dropped on the way in cannot be undone on the way out.
@Test func opaqueCanvasIsWrittenAsRGBPixelByPixel() throws {
    let w = 37, h = 23
    var c = Canvas(width: w, height: h)
    for y in 0..<h { for x in 0..<w { c.set(x, y, RGBA(UInt8(x * 7 % 256), UInt8((y * 11 + 3) % 256), UInt8((x * y + 200) % 256))) } }
    let png = try PNGFile.encode(c)
    var chunks = [(type: String, data: [UInt8])](), pos = 8
    func u32(_ at: Int) -> Int { Int(png[at]) << 24 | Int(png[at + 1]) << 16 | Int(png[at + 2]) << 8 | Int(png[at + 3]) }
    while pos + 8 <= png.count {
        let length = u32(pos), type = String(decoding: png[(pos + 4)..<(pos + 8)], as: UTF8.self)
        chunks.append((type, Array(png[(pos + 8)..<(pos + 8 + length)])))
        pos += 12 + length
    }
    let ihdr = try #require(chunks.first { $0.type == "IHDR" }).data
    #expect(Array(ihdr[8...9]) == [8, 2], "8 bits per channel, colour type 2 (RGB, no alpha)")
    #expect(chunks.last?.type == "IEND")
    let compressed = chunks.filter { $0.type == "IDAT" }.flatMap(\.data)
    let stride = w * 3
    var raw = [UInt8](repeating: 0, count: h * (stride + 1))
    var size = uLongf(raw.count)
    #expect(uncompress(&raw, &size, compressed, uLong(compressed.count)) == Z_OK && Int(size) == raw.count)
    // Undo each row's filter (PNG spec 9.2): none, sub, up, average, Paeth; 3 bytes a pixel.
    var rows = [[UInt8]]()
    for y in 0..<h {
        let filter = raw[y * (stride + 1)]
        var row = Array(raw[(y * (stride + 1) + 1)...(y * (stride + 1) + stride)])
        let up = y > 0 ? rows[y - 1] : [UInt8](repeating: 0, count: stride)
        for i in 0..<stride {
            let a = i >= 3 ? Int(row[i - 3]) : 0, b = Int(up[i]), cc = i >= 3 ? Int(up[i - 3]) : 0
            let predicted: Int
            switch filter {
            case 0: predicted = 0
            case 1: predicted = a
            case 2: predicted = b
            case 3: predicted = (a + b) / 2
            case 4:
                let p = a + b - cc, pa = abs(p - a), pb = abs(p - b), pc = abs(p - cc)
                predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : cc
            default: Issue.record("row \(y) has filter \(filter)"); predicted = 0
            }
            row[i] = UInt8((Int(row[i]) + predicted) & 255)
        }
        rows.append(row)
    }
    for y in 0..<h {
        for x in 0..<w {
            let p = c.pixels[(y * w + x) * 4..<(y * w + x) * 4 + 3]
            #expect(Array(rows[y][(x * 3)..<(x * 3 + 3)]) == Array(p), "pixel (\(x), \(y))")
        }
    }
    #expect(try PNGFile.decode(png).pixels == c.pixels)
}

@Test func corruptPNGIsAnErrorNotACrash() {
    #expect(throws: PNGError.self) { try PNGFile.decode([0x89, 0x50, 0x4E, 0x47, 1, 2, 3]) }
}

@Test func atomicWriteLeavesNoTemporaryFile() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("png-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    try PNGFile.write(Canvas(width: 2, height: 2), to: dir.appendingPathComponent("a.png"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["a.png"])
    #expect(throws: (any Error).self) { try PNGFile.write(Canvas(width: 2, height: 2), to: dir.appendingPathComponent("missing/b.png")) }
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["a.png"])
}

@Test func fontIsFoundAndTextIsDrawn() {
    #expect(Font.shared.isAvailable, "install fonts-dejavu-core")
    var c = Canvas(width: 200, height: 40)
    c.text("Loss 0.25", x: 10, y: 30, size: 20)
    var inked = 0
    for y in 0..<40 { for x in 0..<200 where c.pixel(x, y).r < 128 { inked += 1 } }
    #expect(inked > 100)
}

@Test func ticksAreRoundNumbers() {
    #expect(Ticks.nice(0, 100, target: 6) == [0, 20, 40, 60, 80, 100])
    #expect(Ticks.labels([0, 0.5, 1.0]) == ["0.0", "0.5", "1.0"])
    #expect(Ticks.labels([0, 20, 40]) == ["0", "20", "40"])
}

/// Every tick label reads back as the value it stands for (a 1-epoch accuracy axis steps by 0.25: its
/// labels once read 91.8, 92.0, 92.2 at equal spacing), and the ticks sit where the plot puts their values.
@Test func tickLabelsEqualTheValuesAtTheirPositions() {
    for (lo, hi) in [(91.7, 92.9), (0.0, 1.0), (0.0123, 0.0181), (-2.5, 0.96), (0.0004, 0.0019), (1e5, 4.5e5), (0.2, 0.35), (97.5, 99.25)] {
        let ticks = Ticks.nice(lo, hi, target: 7), labels = Ticks.labels(ticks)
        #expect(ticks.count >= 2 && labels.count == ticks.count, "\(lo)...\(hi)")
        let step = ticks[1] - ticks[0]
        for (t, l) in zip(ticks, labels) {
            #expect(Double(l).map { abs($0 - t) <= step * 1e-6 } == true, "\(lo)...\(hi): label \(l) for tick \(t)")
        }
        #expect(Set(labels).count == labels.count, "labels tell the ticks apart: \(labels)")
    }
    #expect(Ticks.labels([91.75, 92, 92.25, 92.5]) == ["91.75", "92.00", "92.25", "92.50"])
    #expect(Ticks.labels([0, 0.5, 1]) == ["0.0", "0.5", "1.0"] && Ticks.labels([0, 20, 40]) == ["0", "20", "40"])
    // On a plot: ticks at equal value steps sit at equal pixel steps, inside the frame.
    let plot = LinePlot(title: "", xLabel: "", yLabel: "", series: [Series(name: "a", y: [91.8, 92.1, 92.8])])
    let f = plot.frame
    let ys = f.yTicks.map { f.point(f.x.lowerBound, $0).y }
    #expect(ys.allSatisfy { $0 >= Double(f.top) - 1e-9 && $0 <= Double(f.top + f.height) + 1e-9 })
    for i in 2..<ys.count { #expect(abs((ys[i] - ys[i - 1]) - (ys[1] - ys[0])) < 1e-6) }
    for (t, l) in zip(f.yTicks, Ticks.labels(f.yTicks)) { #expect(abs(Double(l)! - t) < 1e-9, "\(l) for \(t)") }
}

@Test func divergingMapIsWhiteAtZeroRedPositiveBlueNegative() {
    let mid = Colormap.diverging.color(0.5), hi = Colormap.diverging.color(1), lo = Colormap.diverging.color(0)
    #expect(mid.r > 240 && mid.g > 240 && mid.b > 240)
    #expect(hi.r > hi.b && lo.b > lo.r)
}

/// A line off the canvas draws nothing and never traps (issue 36: Ctrl-C just after training began drew
/// the running epoch's batch points beyond the cost plot's axis and crashed in Canvas.line).
@Test func linesOffTheCanvasDrawNothing() {
    var c = Canvas(width: 20, height: 10)
    let before = c.pixels
    c.line(from: (30, 5), to: (40, 5), width: 2, .black)        // right of it
    c.line(from: (5, -30), to: (8, -20), width: 2, .black)      // above it
    c.line(from: (1e300, 1), to: (-1e300, 1), width: 1, .black) // far beyond any integer
    c.line(from: (.nan, 1), to: (3, 3), width: 1, .black)
    c.line(from: (1, 1), to: (3, .infinity), width: 1, .black)
    #expect(c.pixels == before, "off the canvas or not a number: nothing drawn")
    c.line(from: (2, 2), to: (15, 7), width: 1, .black)
    #expect(c.pixels != before, "a line on the canvas is drawn")
}

/// A run stopped inside its first epoch has no per-epoch point yet: the legend names only the series
/// that show something, each still in its own colour (the first series' blue appears nowhere).
@Test func theLegendNamesOnlySeriesWithPoints() {
    let plot = LinePlot(title: "t", xLabel: "x", yLabel: "y",
                        series: [Series(name: "per epoch", y: []), Series(name: "per batch", x: [0.1, 0.2, 0.3], y: [3, 2, 2.5])], yRange: 0...4)
    let c = plot.render()
    func count(_ color: RGBA) -> Int {
        stride(from: 0, to: c.pixels.count, by: 4).filter { c.pixels[$0] == color.r && c.pixels[$0 + 1] == color.g && c.pixels[$0 + 2] == color.b }.count
    }
    #expect(count(RGBA.series[0]) == 0, "no legend line for the empty series")
    #expect(count(RGBA.series[1]) > 50, "the batch series and its legend line")
}
