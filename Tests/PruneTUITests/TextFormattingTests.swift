import Foundation
import Testing

@testable import PruneTUI

/// `Text.compact` over every magnitude a pruning screen shows (an L1 lambda
/// of 1e-4, a threshold of 0.0213, a parameter count of 267k), both signs.
@Suite struct TextFormattingTests {
    @Test func compactByHand() {
        let cases: [(Double, String)] = [
            (0, "0"), (-0.0, "0"), (1e-4, "1e-4"), (-1e-4, "-1e-4"), (1e-9, "1e-9"), (2.5e-7, "2.5e-7"),
            (9.996e-5, "1e-4"), (0.00099996, "1e-3"), (0.001, "0.001"), (0.0213, "0.0213"), (0.05, "0.05"),
            (0.5, "0.5"), (1, "1"), (3.82, "3.82"), (-4.5, "-4.5"), (99.96, "100"), (267, "267"), (1234, "1234"),
            (9999.6, "10k"), (12_437, "12.4k"), (267_000, "267k"), (999_960, "1M"), (1_500_000, "1.5M"),
            (-2_000_000, "-2M"), (3e9, "3G"), (2e12, "2T"), (1e15, "1e15"), (.nan, "nan"), (.infinity, "inf"),
            (-.infinity, "-inf"),
        ]
        for (value, text) in cases { #expect(Text.compact(value) == text, "\(value)") }
        #expect(Text.percent(0.9) == "90.0%")
        #expect(Text.fixed(0.05, 4) == "0.0500")
        #expect(Text.truncate("abcdef", to: 4) == "abc…")
    }

    /// Reads a compact string back ("12.4k" -> 12400).
    static func parse(_ s: String) -> Double? {
        let scales: [Character: Double] = ["k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12]
        if let last = s.last, let scale = scales[last] { return Double(s.dropLast()).map { $0 * scale } }
        return Double(s)
    }

    @Test(arguments: -9...9)
    func compactSweepsADecade(exponent: Int) throws {
        for mantissa in [1, 1.05, 1.5, 2.345, 5, 9.99, 9.996, 9.9999] {
            for sign in [1.0, -1.0] {
                let value = sign * mantissa * pow(10, Double(exponent))
                let text = Text.compact(value)
                let back = try #require(Self.parse(text), "\(value) -> \(text)")
                // Three significant digits: within half a unit of the third digit.
                #expect(abs(back - value) <= abs(value) * 0.005 + 1e-300, "\(value) -> \(text)")
                #expect(text.count <= 8, "\(value) -> \(text)")
                #expect(text.hasPrefix("-") == (sign < 0), "\(value) -> \(text)")
                if let e = text.firstIndex(of: "e") {
                    let m = try #require(Double(text[..<e]))
                    #expect((1..<10).contains(abs(m)), "mantissa of \(text) should be in 1..<10")
                }
            }
        }
    }
}
