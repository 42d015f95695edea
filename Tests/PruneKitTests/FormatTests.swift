import PruneKit
import Testing

@Suite struct FormatTests {
    @Test func percentages() {
        #expect(Format.percent(0.892) == "89.2%")
        #expect(Format.percent(0.9, digits: 2) == "90.00%")
        #expect(Format.percent(0) == "0.0%")
        #expect(Format.percent(1) == "100.0%")
        #expect(Format.percent(0.12345, digits: 0) == "12%")
        #expect(Format.percent(nil as Double?) == "n/a")
        #expect(Format.percent(Optional(0.5), digits: 2) == "50.00%")
    }

    @Test func countsAreSingularOrPlural() {
        #expect(Format.count(0, "epoch") == "0 epochs")
        #expect(Format.count(1, "epoch") == "1 epoch")
        #expect(Format.count(2, "epoch") == "2 epochs")
        #expect(Format.count(1, "mask update") == "1 mask update")
        #expect(Format.count(3, "index", plural: "indices") == "3 indices")
        #expect(Format.partial(0.4, of: 2, "epoch") == "0.4 of 2 epochs")
        #expect(Format.partial(0.25, of: 1, "epoch") == "0.25 of 1 epoch")
        #expect(Format.partial(1, of: 3, "round") == "1 of 3 rounds")
    }

    @Test func decimalsAndGroups() {
        #expect(Format.decimal(0.4) == "0.4")
        #expect(Format.decimal(2) == "2")
        #expect(Format.decimal(0.123, digits: 2) == "0.12")
        #expect(Format.decimal(-0.01) == "0")
        #expect(Format.grouped(266_610) == "266,610")
        #expect(Format.grouped(999) == "999")
        #expect(Format.grouped(-1_000) == "-1,000")
        #expect(Format.grouped(0) == "0")
    }
}
