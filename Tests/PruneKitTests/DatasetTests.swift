import Foundation
import Testing

@testable import PruneKit

/// A fresh temporary directory for one test.
func makeTemporaryDirectory(_ label: String = "data") throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("prunescope-\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct IDXReaderTests {
    /// Three 2x2 images and their labels.
    func writePair(in dir: URL, labels: [UInt8] = [0, 2, 1]) throws -> (images: String, labels: String) {
        let images = dir.appendingPathComponent("images-idx3-ubyte").path
        let labelsPath = dir.appendingPathComponent("labels-idx1-ubyte").path
        try Data(IDX.encode(shape: [3, 2, 2], bytes: Array(0..<12))).write(to: URL(fileURLWithPath: images))
        try Data(IDX.encode(shape: [labels.count], bytes: labels)).write(to: URL(fileURLWithPath: labelsPath))
        return (images, labelsPath)
    }

    @Test func readsImagesAndLabels() throws {
        let dir = try makeTemporaryDirectory()
        let (images, labels) = try writePair(in: dir)
        let d = try IDX.readDataset(images: images, labels: labels, classCount: 3, name: "tiny")
        #expect(d.inputs.shape == [3, 2, 2])
        #expect(d.inputs.data == (0..<12).map(Float.init))
        #expect(d.labels == [0, 2, 1])
        #expect(d.classCount == 3)
        // Without a class count it is the largest label + 1.
        #expect(try IDX.readDataset(images: images, labels: labels, classCount: nil, name: "t").classCount == 3)
    }

    @Test func headerIsBigEndian() {
        let bytes = IDX.encode(shape: [1, 28, 28], bytes: [UInt8](repeating: 0, count: 784))
        #expect(Array(bytes[0..<16]) == [0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28])
    }

    @Test func badMagicNamesTheFile() throws {
        let dir = try makeTemporaryDirectory()
        let (images, labels) = try writePair(in: dir)
        // Labels given where images are expected: magic 0x801, not 0x803.
        #expect(throws: DatasetError.badMagic(path: labels, expected: 0x803, found: 0x801)) {
            try IDX.readDataset(images: labels, labels: images, classCount: 3, name: "t")
        }
        let error = DatasetError.badMagic(path: labels, expected: 0x803, found: 0x801)
        #expect(error.description == "\(labels): not an IDX file of this kind: magic 0x00000801, expected 0x00000803")
    }

    @Test func truncatedFiles() throws {
        let dir = try makeTemporaryDirectory()
        let (images, labels) = try writePair(in: dir)
        let full = try Data(contentsOf: URL(fileURLWithPath: images))
        // Cut inside the magic, inside the dimensions, and inside the data.
        for (cut, expected) in [(2, 4), (10, 16), (full.count - 1, full.count)] {
            try full.prefix(cut).write(to: URL(fileURLWithPath: images))
            #expect(throws: DatasetError.truncated(path: images, expectedBytes: expected, actualBytes: cut)) {
                try IDX.readDataset(images: images, labels: labels, classCount: 3, name: "t")
            }
        }
        try (full + Data([1])).write(to: URL(fileURLWithPath: images))
        #expect(throws: DatasetError.trailingBytes(path: images, expectedBytes: full.count, actualBytes: full.count + 1)) {
            try IDX.readDataset(images: images, labels: labels, classCount: 3, name: "t")
        }
    }

    @Test func labelsOutOfRangeNameTheLabelsFile() throws {
        let dir = try makeTemporaryDirectory()
        let (images, labels) = try writePair(in: dir, labels: [0, 7, 1])
        #expect(throws: DatasetError.labelOutOfRange(path: labels, index: 1, label: 7, classCount: 3)) {
            try IDX.readDataset(images: images, labels: labels, classCount: 3, name: "t")
        }
        #expect(
            DatasetError.labelOutOfRange(path: labels, index: 1, label: 7, classCount: 3).description
                == "\(labels): label 7 of sample 1 is out of range 0..<3")
    }

    @Test func countMismatchAndMissingFile() throws {
        let dir = try makeTemporaryDirectory()
        let (images, labels) = try writePair(in: dir, labels: [0, 1])
        #expect(throws: DatasetError.countMismatch(imagesPath: images, images: 3, labelsPath: labels, labels: 2)) {
            try IDX.readDataset(images: images, labels: labels, classCount: 3, name: "t")
        }
        let missing = dir.appendingPathComponent("nope").path
        #expect(throws: DatasetError.unreadable(path: missing, problem: "no such file")) {
            try IDX.readDataset(images: missing, labels: labels, classCount: 3, name: "t")
        }
    }
}

@Suite struct CSVReaderTests {
    func write(_ text: String) throws -> String {
        let path = try makeTemporaryDirectory("csv").appendingPathComponent("d.csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func headerGuessedAndLabelByName() throws {
        let path = try write("a,label,b\n1,0,2\n3,1,4.5\n\n-1e-1,1,0\n")
        let d = try CSV.readDataset(path: path, labelColumn: .name("label"), name: "t")
        #expect(d.inputs.shape == [3, 2])
        #expect(d.inputs.data == [1, 2, 3, 4.5, -0.1, 0])
        #expect(d.labels == [0, 1, 1])
        #expect(d.classCount == 2)
    }

    @Test func noHeaderLastColumnByDefault() throws {
        let path = try write("0.5,0.25,2\n1,2,0\n")
        let d = try CSV.readDataset(path: path, classCount: 3, name: "t")
        #expect(d.inputs.data == [0.5, 0.25, 1, 2])
        #expect(d.labels == [2, 0])
        #expect(d.classCount == 3)
        // The first line read as a header leaves one sample.
        #expect(try CSV.readDataset(path: path, hasHeader: true, name: "t").count == 1)
        // Label by index from the front.
        let front = try write("1,0.5,0.25\n0,2,1\n")
        let d2 = try CSV.readDataset(path: front, labelColumn: .index(0), classCount: 3, name: "t")
        #expect(d2.labels == [1, 0] && d2.inputs.data == [0.5, 0.25, 2, 1])
    }

    @Test func errorsNameFileLineAndColumn() throws {
        let bad = try write("x,y,label\n1,2,0\n1,oops,1\n")
        #expect(throws: DatasetError.notANumber(path: bad, line: 3, column: 2, text: "oops")) {
            try CSV.readDataset(path: bad, name: "t")
        }
        let ragged = try write("1,2,0\n1,1\n")
        #expect(throws: DatasetError.ragged(path: ragged, line: 2, expected: 3, found: 2)) {
            try CSV.readDataset(path: ragged, name: "t")
        }
        let outOfRange = try write("1,2,0\n1,1,5\n")
        #expect(throws: DatasetError.csvLabelOutOfRange(path: outOfRange, line: 2, label: 5, classCount: 2)) {
            try CSV.readDataset(path: outOfRange, classCount: 2, name: "t")
        }
        let fractional = try write("1,2,0.5\n")
        #expect(throws: DatasetError.notANumber(path: fractional, line: 1, column: 3, text: "0.5")) {
            try CSV.readDataset(path: fractional, name: "t")
        }
        #expect(throws: DatasetError.noLabelColumn(path: bad, column: "'class'")) {
            try CSV.readDataset(path: bad, labelColumn: .name("class"), name: "t")
        }
        let headerOnly = try write("a,b\n")
        #expect(throws: DatasetError.empty(path: headerOnly)) {
            try CSV.readDataset(path: headerOnly, name: "t")
        }
    }

    @Test func encodeRoundTrips() throws {
        let data = SyntheticData.moons(count: 7, noise: 0.1, seed: 3)
        let path = try write(CSV.encode(data))
        let back = try CSV.readDataset(path: path, labelColumn: .name("label"), classCount: 2, name: "moons")
        #expect(back.inputs == data.inputs)
        #expect(back.labels == data.labels)
    }
}

@Suite struct SplitAndNormalisationTests {
    func ramp(_ n: Int) -> Dataset {
        Dataset(
            name: "ramp", inputs: Tensor(shape: [n, 2], data: (0..<(2 * n)).map(Float.init)),
            labels: (0..<n).map { $0 % 3 }, classCount: 3)
    }

    @Test func splitIsSeededAndPartitions() throws {
        for n in [1, 2, 5, 10, 101] {
            let data = ramp(n)
            let a = try data.split(validationFraction: 0.2, seed: 42)
            let b = try data.split(validationFraction: 0.2, seed: 42)
            #expect(a.train.inputs == b.train.inputs && a.validation.inputs == b.validation.inputs)
            #expect(a.validation.count == Int((Double(n) * 0.2).rounded()))
            #expect(a.train.count + a.validation.count == n)
            // Every sample lands in exactly one part (first feature identifies it).
            let ids = (a.train.inputs.data + a.validation.inputs.data).enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
            #expect(Set(ids) == Set((0..<n).map { Float(2 * $0) }))
        }
        let data = ramp(100)
        let other = try data.split(validationFraction: 0.2, seed: 43)
        #expect(other.validation.inputs != (try data.split(validationFraction: 0.2, seed: 42)).validation.inputs)
    }

    @Test func splitRejectsBadFractions() {
        #expect(throws: DatasetError.self) { try ramp(10).split(validationFraction: 1, seed: 0) }
        #expect(throws: DatasetError.self) { try ramp(10).split(validationFraction: -0.1, seed: 0) }
        #expect(throws: DatasetError.self) { try ramp(1).split(validationFraction: 0.9, seed: 0) }
    }

    @Test func standardisationUsesTrainingStatisticsOnly() throws {
        let train = Dataset(name: "t", inputs: Tensor(shape: [2, 2], data: [0, 10, 4, 10]), labels: [0, 1], classCount: 2)
        let validation = Dataset(name: "v", inputs: Tensor(shape: [1, 2], data: [100, 20]), labels: [0], classCount: 2)
        let fitted = Normalisation(divideBy: 2, standardise: true).fitted(on: train)
        #expect(fitted.mean == [1, 5])
        #expect(fitted.std == [1, 1])  // second feature is constant: std 0 becomes 1
        #expect(try fitted.apply(to: train).inputs.data == [-1, 0, 1, 0])
        // The validation set is transformed with the training statistics.
        #expect(try fitted.apply(to: validation).inputs.data == [49, 5])
    }

    @Test func givenMeanAndStd() throws {
        let d = Dataset(name: "t", inputs: Tensor(shape: [1, 3], data: [255, 0, 51]), labels: [0], classCount: 1)
        let n = Normalisation(divideBy: 255, mean: [0.5], std: [0.5])
        let out = try n.apply(to: d).inputs.data
        #expect(out.count == 3 && abs(out[0] - 1) < 1e-6 && abs(out[1] + 1) < 1e-6 && abs(out[2] + 0.6) < 1e-6)
        #expect(throws: DatasetError.self) { try Normalisation(mean: [0, 0]).apply(to: d) }
        #expect(throws: DatasetError.self) { try Normalisation(std: [0]).apply(to: d) }
    }
}

@Suite struct SyntheticDataTests {
    @Test(arguments: SyntheticData.Kind.allCases)
    func generatorsAreSeededAndBalanced(kind: SyntheticData.Kind) {
        let a = SyntheticData.make(kind, count: 200, noise: 0.1, seed: 5)
        let b = SyntheticData.make(kind, count: 200, noise: 0.1, seed: 5)
        let c = SyntheticData.make(kind, count: 200, noise: 0.1, seed: 6)
        #expect(a.inputs == b.inputs && a.labels == b.labels)
        #expect(a.inputs != c.inputs)
        #expect(a.inputs.shape == [200, 2])
        #expect(a.inputs.data.allSatisfy { $0.isFinite })
        for k in 0..<a.classCount {
            let n = a.labels.filter { $0 == k }.count
            #expect(abs(n - 200 / a.classCount) <= 1)
        }
    }

    @Test func xorLabelsMatchQuadrants() {
        let d = SyntheticData.xor(count: 100, noise: 0, seed: 1)
        for i in 0..<d.count {
            let x = d.inputs.data[2 * i], y = d.inputs.data[2 * i + 1]
            #expect(d.labels[i] == ((x > 0) != (y > 0) ? 1 : 0))
        }
    }

    @Test func spiralsAreTwoArmsOfTheSameCurve() {
        // Without noise, class 1 is class 0 rotated by pi: radius grows with angle.
        let d = SyntheticData.twoSpirals(count: 50, noise: 0, seed: 2)
        for i in 0..<d.count {
            let r = (d.inputs.data[2 * i] * d.inputs.data[2 * i] + d.inputs.data[2 * i + 1] * d.inputs.data[2 * i + 1]).squareRoot()
            #expect(r <= 1.0001)
        }
    }

    /// SampleModels/data/spirals.csv is exactly this generator's output, so the
    /// data is reproducible. `RECORD_SAMPLE_DATA=1` rewrites the file.
    @Test func sampleSpiralsFileMatchesTheGenerator() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("SampleModels/data/spirals.csv").path
        let text = CSV.encode(SyntheticData.twoSpirals(count: 1000, noise: 0.04, seed: 7))
        if ProcessInfo.processInfo.environment["RECORD_SAMPLE_DATA"] == "1" {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == text)
    }
}
