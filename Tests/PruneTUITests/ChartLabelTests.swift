import Foundation
import ScreenSnapshots
import Testing

@testable import PruneTUI

/// Labels on charts: marker labels that never run together, histogram
/// count axes in whole numbers.
@Suite struct ChartLabelTests {
    static func chart(markers: [LineChart.Marker]) -> LineChart {
        let loss: [(x: Double, y: Double)] = (0...40).map { i in
            let x = Double(i)
            let y: Double = 2.3 * exp(-x / 8) + 0.1
            return (x: x, y: y)
        }
        return LineChart(series: [.init(name: "loss", points: loss)], markers: markers, yRange: 0...2.5)
    }

    /// Pruning steps one epoch apart: "79%" then "95%" two columns later.
    /// The newer label stays, the older one is dropped, nothing reads "7995%".
    @Test func closeMarkerLabelsDoNotRunTogether() {
        let markers = [
            LineChart.Marker(x: 10, label: "50%"), LineChart.Marker(x: 20, label: "79%"),
            LineChart.Marker(x: 21, label: "95%"), LineChart.Marker(x: 30, label: "98%"),
        ]
        let buffer = draw(Size(width: 48, height: 10)) { b, a, c in Self.chart(markers: markers).render(into: &b, area: a, context: c) }
        let labelRow = String(buffer.text.split(separator: "\n", omittingEmptySubsequences: false)[1])
        #expect(!labelRow.contains("7995") && !labelRow.contains("79%9"))
        #expect(labelRow.contains("95%") && labelRow.contains("98%") && labelRow.contains("50%"))
        #expect(!labelRow.contains("79%"), "the older of two colliding labels is dropped")
        // Every label shown is whole and has a blank column before the next marker line.
        for label in ["50%", "95%", "98%"] {
            guard let r = labelRow.range(of: label) else { continue }
            #expect(
                r.lowerBound > labelRow.startIndex && labelRow[labelRow.index(before: r.lowerBound)] == "┊",
                "\(label) starts right after its marker line, not inside another label")
            if r.upperBound < labelRow.endIndex { #expect(labelRow[r.upperBound] == " ", "\(label) is followed by a blank") }
        }
        assertSnapshot(buffer.text, named: "linechart-close-markers")
    }

    @Test(arguments: [0, 1, 2, 3, 5])
    func markerLabelsKeepAGapAtEverySpacing(gap: Int) {
        let markers = (0..<6).map { LineChart.Marker(x: Double(5 + $0 * gap), label: "\(60 + $0 * 7)%") }
        let chart = Self.chart(markers: markers)
        let plot = Rect(x: 0, y: 0, width: 40, height: 6)
        let labels = chart.markerLabels(plot: plot, xRange: 0...40, column: { Int($0 * 39 / 40) }, context: DrawContext())
        let spans = labels.map { ($0.x, $0.x + CellBuffer.columns(of: $0.text)) }.sorted { $0.0 < $1.0 }
        for (left, right) in zip(spans, spans.dropFirst()) {
            #expect(left.1 + 1 < right.0, "labels at \(left) and \(right) need a blank and the marker line between")
        }
        #expect(labels.contains { $0.text == "95%" }, "the newest label always shows")
    }

    /// Few weights over many columns: resampled column counts are fractions
    /// (3.82), the axis still counts whole weights.
    @Test func histogramCountAxisIsWhole() throws {
        let values: [Float] = (0..<23).map { Float($0 % 7) * 0.01 - 0.03 }
        let bins = Histogram.bin(values, bins: 60, range: -0.05...0.05)
        let hist = Histogram(counts: bins.counts, range: bins.range, thresholds: [-0.01, 0.01])
        for width in [20, 33, 47, 64] {
            let buffer = draw(Size(width: width, height: 8)) { b, a, c in hist.render(into: &b, area: a, context: c) }
            let top = String(buffer.text.split(separator: "\n")[0]).trimmingCharacters(in: .whitespaces)
            let label = String(top.prefix { !$0.isWhitespace && !"▁▂▃▄▅▆▇█┃".contains($0) })
            #expect(Int(label) != nil, "width \(width): top count label \"\(label)\" should be a whole number")
        }
        let big = Histogram(counts: bins.counts.map { $0 * 3109.7 }, range: bins.range)
        let buffer = draw(Size(width: 40, height: 8)) { b, a, c in big.render(into: &b, area: a, context: c) }
        #expect(buffer.text.hasPrefix("12.4k") || buffer.text.hasPrefix("6.22k") || buffer.text.contains("k"), "\(buffer.text)")
        assertSnapshot(buffer.text, named: "histogram-large-counts")
        #expect(Histogram.axisTop([0.2, 3.82, 1]) == 4)
        #expect(Histogram.axisTop([]) == 0)
    }

    /// The count label is never cut: its width follows the count the final
    /// plot width gives (lenet's fc1 at 120 columns read "99…" once, a
    /// label sized for a wider plot's "10k").
    @Test func histogramCountLabelIsNeverCut() throws {
        // 235,200 weights in a bell of sigma 0.03 over 200 bins, as fc1's.
        let sigma = 0.03, width = 0.26 / 200
        let counts = (0..<200).map { i -> Double in
            let x = -0.13 + (Double(i) + 0.5) * width
            return (235_200 * width / (sigma * (2 * Double.pi).squareRoot()) * exp(-x * x / (2 * sigma * sigma))).rounded()
        }
        let hist = Histogram(counts: counts, range: -0.13...0.13)
        for width in 12...160 {
            let buffer = draw(Size(width: width, height: 8)) { b, a, c in hist.render(into: &b, area: a, context: c) }
            let top = String(buffer.text.split(separator: "\n")[0])
            #expect(!top.contains("…"), "width \(width): \(top)")
        }
    }
}
